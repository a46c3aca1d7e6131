"""Measuring sides against each other on a noisy machine: alternate them, compare ratios.

Each repetition measures every side back to back, in the next of all their orders (two
sides: the one that went first goes second in the next; three: each side after each other
equally often), so drift in the machine's load falls on all alike. Only ratios within one run
mean anything; a ratio's result is the median of its per-repetition ratios. Nothing is
asserted: the verdict is printed and the script exits 0.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Mapping, Sequence

from bench.measure import Timing

# Let the last burst's connections and threads wind down before the next one starts.
SETTLE_S = 1.0

Sides = Mapping[str, Callable[[], Timing]]
Timings = dict[str, list[Timing]]
# A ratio is named by its two sides: (numerator, denominator).
Pair = tuple[str, str]


def ratios(timings: Timings, pair: Pair, figure: Callable[[Timing], float]) -> list[float]:
    top, bottom = pair
    return [figure(a) / figure(b) for a, b in zip(timings[top], timings[bottom], strict=True)]


def wall(timing: Timing) -> float:
    return timing.wall_s


def alternate(sides: Sides, repetitions: int, pairs: Sequence[Pair]) -> Timings:
    """Measure the sides repetitions times, each time in the next of their orders; print each
    repetition."""
    names = list(sides)
    orders = list(itertools.permutations(names))
    timings: Timings = {name: [] for name in names}
    for repetition in range(repetitions):
        for name in orders[repetition % len(orders)]:
            time.sleep(SETTLE_S)
            timings[name].append(sides[name]())
        print(f"  {repetition + 1}:", flush=True)
        for name in names:
            print(f"     {name}: {timings[name][-1]}", flush=True)
        shown = "   ".join(f"{a}/{b} {ratios(timings, (a, b), wall)[-1]:.3f}" for a, b in pairs)
        print(f"     ratio {shown}", flush=True)
    return timings


def median_ratio(timings: Timings, pair: Pair, figure: Callable[[Timing], float] = wall) -> float:
    """The median over repetitions of pair's first side / its second, of wall time by default."""
    return statistics.median(ratios(timings, pair, figure))


def print_medians(timings: Timings) -> None:
    """Each side's medians: wall, p50, p99, the client's CPU and every named process's CPU."""
    print("  medians:")
    for name, ts in timings.items():
        others = "".join(
            f", {other} cpu {statistics.median(t.cpu_of[other] for t in ts):.2f} s"
            for other in ts[0].cpu_of
        )
        print(
            f"     {name}: wall {statistics.median(t.wall_s for t in ts):.3f} s,"
            f" p50 {statistics.median(t.p50_s for t in ts):.3f} s,"
            f" p99 {statistics.median(t.p99_s for t in ts):.3f} s,"
            f" client cpu {statistics.median(t.cpu_s for t in ts):.2f} s{others}",
            flush=True,
        )


def _cpu_change(timings: Timings, pair: Pair, name: str) -> str:
    """A process's CPU, top side against bottom: the median ratio (when the bottom side used
    any) and the median difference in seconds."""
    differences = [
        a.cpu_of[name] - b.cpu_of[name]
        for a, b in zip(timings[pair[0]], timings[pair[1]], strict=True)
    ]
    change = f"{statistics.median(differences):+.2f} s"
    if all(t.cpu_of[name] > 0 for t in timings[pair[1]]):
        change = f"{median_ratio(timings, pair, lambda t: t.cpu_of[name]):.3f} ({change})"
    return f", {name} cpu {change}"


def print_ratios(timings: Timings, pairs: Sequence[Pair]) -> None:
    """Each pair's median ratios: of wall time (with the quartiles of its repetitions), p50 and
    p99 latencies, and of the CPU of every process both sides name."""
    print("  median ratios:")
    for pair in pairs:
        top, bottom = pair
        shared = [name for name in timings[top][0].cpu_of if name in timings[bottom][0].cpu_of]
        cpu = "".join(_cpu_change(timings, pair, name) for name in shared)
        p50 = median_ratio(timings, pair, lambda t: t.p50_s)
        p99 = median_ratio(timings, pair, lambda t: t.p99_s)
        # How far the repetitions spread: the middle half of the wall ratios.
        low, _, high = statistics.quantiles(ratios(timings, pair, wall), n=4)
        print(
            f"     {top}/{bottom}: wall {median_ratio(timings, pair):.3f} (quartiles {low:.3f}"
            f" to {high:.3f}), p50 {p50:.3f}, p99 {p99:.3f}{cpu}",
            flush=True,
        )


def verdict(what: str, ratio: float, target: float) -> None:
    """The last line of a benchmark: its ratio against its target."""
    outcome = "met" if ratio <= target else "MISSED"
    print(f"{what}: median ratio {ratio:.3f}, target <= {target:.2f}: {outcome}", flush=True)
