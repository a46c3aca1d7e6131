"""The timeline tab (issue 10) in a real browser: every request's life, waiting, in the view and
returning, by worker process and thread, checked against the runs API and the physics of each
server. Each case leaves a screenshot in test-artifacts/.

Runs are fired through the API: the page follows every new run, as a second screen beside the
presenter's would. What the timeline drew is read from window.dashboard.timeline.
"""

from __future__ import annotations

import re
import statistics
import struct
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from harness.browser import Console, screenshot
from harness.server import Server

RUN_TIMEOUT_MS = 60_000  # a server's first start, then the run, on a busy machine
THIN_SPACE = "\N{THIN SPACE}"
TRIO = re.compile(
    rf"^(\d+\.\d\d){THIN_SPACE}·{THIN_SPACE}(\d+\.\d\d){THIN_SPACE}·{THIN_SPACE}(\d+\.\d\d) s$"
)

Row = dict[str, Any]


@pytest.fixture
def page(page: Page) -> Page:
    """The page on its Timeline tab (its key): shown, it fetches the spans while a run goes."""
    page.locator("body").press("l")
    expect(page.get_by_role("tabpanel", name="Timeline")).to_be_visible()
    return page


def launch(site: Server, endpoint: str = "/runs/", **fields: Any) -> list[int]:
    """POST a run (or a race); the ids of the runs it started."""
    answer = httpx.post(site.url + endpoint, json=fields, timeout=RUN_TIMEOUT_MS / 1000)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return [run["id"] for run in body["runs"]] if "runs" in body else [body["id"]]


def drawn_run(page: Page, site: Server, run_id: int) -> tuple[dict[str, Any], list[Row]]:
    """Once the timeline shows the run ended: the run as the API has it, and its rows as drawn,
    checked against it."""
    [drawn] = wait_until_drawn(page, [run_id])
    run = api_run(site, run_id)
    return run, assert_drawn_as_measured(drawn, run)


def wait_until_drawn(page: Page, ids: list[int]) -> list[dict[str, Any]]:
    """Until the timeline shows these runs ended, their saved timings and spans in: the rows."""
    page.wait_for_function(
        f"""() => {{
            const runs = window.dashboard.timeline.runs;
            return JSON.stringify(runs.map((r) => r.id)) === "{ids}".replaceAll(" ", "")
                && runs.every((r) => r.final && r.rows.every((x) => x.answered != null));
        }}""",
        timeout=RUN_TIMEOUT_MS,
    )
    drawn: list[dict[str, Any]] = page.evaluate("window.dashboard.timeline.runs")
    return drawn


def api_run(site: Server, run_id: int) -> dict[str, Any]:
    run: dict[str, Any] = httpx.get(f"{site.url}/runs/{run_id}/", timeout=10).json()
    return run


def joined(run: dict[str, Any]) -> dict[int, Row]:
    """The API's timings and spans of a run, joined by request index."""
    rows: dict[int, Row] = {}
    for index, sent, answered, status, kind in run["timings"]:
        rows[index] = {
            "index": index,
            "sent": sent,
            "answered": answered,
            "status": status,
            "kind": kind,
        }
    for index, entered, left, pid, thread in run["spans"]:
        rows.setdefault(index, {"index": index}).update(
            entered=entered, left=left, pid=pid, thread=thread
        )
    return rows


def assert_drawn_as_measured(drawn: dict[str, Any], run: dict[str, Any]) -> list[Row]:
    """Every row the timeline drew is the API's, first sent on top; answers the rows."""
    rows: list[Row] = drawn["rows"]
    expected = joined(run)
    keys = ("sent", "answered", "status", "entered", "left", "pid", "thread")
    assert len(rows) == run["n"] == len(expected)
    for row in rows:
        assert {k: row[k] for k in keys} == {k: expected[row["index"]].get(k) for k in keys}
    sent = [row["sent"] for row in rows]
    assert sent == sorted(sent)
    return rows


def assert_card_shows_phases(page: Page, run: dict[str, Any]) -> None:
    """The run card's waiting and in-view figures are the server's, to the hundredth."""
    phases = run["phases"]
    waited, in_view = (
        " / ".join(f"{phases[key][q]:.2f}" for q in ("p50", "p95", "max"))
        for key in ("waiting_s", "in_view_s")
    )
    print(
        f"\nrun #{run['id']} {run['scenario']} x{run['n']} on {run['server']}: waiting "
        f"{waited} s, in view {in_view} s (p50 / p95 / max); "
        f"{phases['processes']} process(es), {phases['threads']} thread(s); wall {run['wall_s']} s"
    )
    for field, key in (("waiting", "waiting_s"), ("in-view", "in_view_s")):
        text = page.locator(f'#run-card [data-phase="{field}"]').inner_text()
        found = TRIO.match(text)
        assert found is not None, text
        shown = [float(x) for x in found.groups()]
        measured = [phases[key][q] for q in ("p50", "p95", "max")]
        assert shown == pytest.approx(measured, abs=0.0051)
    ran_on = page.locator('#run-card [data-phase="ran-on"]').inner_text()
    processes, threads = plural(phases["processes"], "process"), plural(phases["threads"], "thread")
    assert ran_on.startswith(f"{processes}, {threads}")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('s') else 's'}"


def waiting(row: Row) -> float:
    return float(row["entered"] - row["sent"])


def most_in_view(rows: list[Row]) -> int:
    """The most views in progress at one instant, from their spans. A view that left within
    10 ms of another entering counts as gone: one worker's spans may touch."""
    changes = sorted(
        [(row["entered"], 1) for row in rows] + [(row["left"] - 0.01, -1) for row in rows]
    )
    most = now = 0
    for _, change in changes:
        now += change
        most = max(most, now)
    return most


def assert_one_view_at_a_time(rows: list[Row], key: str | tuple[str, ...]) -> dict[Any, int]:
    """Rows grouped by key (a worker's pid, or pid and thread): each group runs its views one
    at a time. Answers how many views each ran."""
    keys = (key,) if isinstance(key, str) else key
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    for own in groups.values():
        own.sort(key=lambda r: r["entered"])
        assert all(b["entered"] >= a["left"] - 0.01 for a, b in pairwise(own)), own
    return {group: len(own) for group, own in groups.items()}


def test_a_blocked_loop_draws_a_staircase(page: Page, console: Console, site: Server) -> None:
    [run_id] = launch(site, scenario="async-blocking", n=5, delay=0.2)

    run, rows = drawn_run(page, site, run_id)
    screenshot(page, "timeline-async-blocking-x5-staircase")

    # One view at a time: each starts when the one before it left, the loop being held.
    by_entry = sorted(rows, key=lambda r: r["entered"])
    for before, after in pairwise(by_entry):
        assert after["entered"] >= before["left"] - 0.01
    # So each request waits about one delay more than the one before.
    waits = sorted(waiting(row) for row in rows)
    assert all(b - a >= 0.15 for a, b in pairwise(waits)), waits
    assert_card_shows_phases(page, run)
    assert page.locator("#tab-timeline").get_attribute("aria-keyshortcuts") == "L"
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="What the numbers mean")
    expect(help_dialog.locator(".keys")).to_contain_text("L the timeline")
    expect(help_dialog).to_contain_text("Hover a bar for its times, pid and thread")
    page.keyboard.press("Escape")
    assert console.problems() == []


def test_two_sync_workers_each_serve_one_view_at_a_time(
    page: Page, console: Console, site: Server
) -> None:
    [run_id] = launch(
        site, scenario="sync-sleep", n=6, delay=0.5, server="gunicorn-sync", workers=2
    )

    run, rows = drawn_run(page, site, run_id)

    # How the six calls split between the two workers is a race (a worker that wakes late
    # can leave its share to the other); that each runs its views one at a time is not.
    per_worker = assert_one_view_at_a_time(rows, "pid")
    pids = {pid for (pid,) in per_worker}
    assert 1 <= len(pids) <= 2
    assert most_in_view(rows) <= 2
    # So the run took at least the busiest worker's share of delays (all at once: one delay).
    assert run["wall_s"] >= 0.95 * max(per_worker.values()) * 0.5
    # Each worker's views in a colour of their own.
    colours = page.evaluate("window.dashboard.timeline.colours")
    assert len({colours[str(pid)] for pid in pids}) == len(pids)

    # Hovering a view names its process and thread.
    first = rows[0]
    point = page.evaluate(
        "([t]) => window.dashboard.timeline.where(0, 0, t)",
        [(first["entered"] + first["left"]) / 2],
    )
    page.mouse.move(point["x"], point["y"])
    tip = page.get_by_role("tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(f"pid {first['pid']}, thread {first['thread']}")
    expect(tip).to_contain_text(f"Request {first['index']} of run #{run_id}")
    screenshot(page, "timeline-sync-sleep-x6-gunicorn-sync-2-workers")
    assert_card_shows_phases(page, run)
    assert console.problems() == []


def test_awaiting_views_make_a_wall(page: Page, console: Console, site: Server) -> None:
    [run_id] = launch(site, scenario="async-sleep", n=100, delay=1)

    run, rows = drawn_run(page, site, run_id)
    screenshot(page, "timeline-async-sleep-x100-wall")

    # All in view at once: every request entered its view before the first one left, and
    # spent the delay there. (Run one at a time, the last would have entered 99 s late.)
    assert all(row["entered"] is not None for row in rows)
    assert max(row["entered"] for row in rows) < min(row["left"] for row in rows)
    assert min(row["left"] - row["entered"] for row in rows) >= 1 - 0.01
    assert_card_shows_phases(page, run)
    assert console.problems() == []


def test_four_threads_of_one_worker_each_get_a_lane(
    page: Page, console: Console, site: Server
) -> None:
    page.evaluate(
        """() => {
            window.timelineSamples = [];
            setInterval(() => {
                const [run] = window.dashboard.timeline.runs;
                if (run) window.timelineSamples.push({
                    id: run.id, status: run.status,
                    inView: run.rows.filter((r) => r.entered != null).length,
                });
            }, 50);
        }"""
    )
    [run_id] = launch(
        site,
        scenario="sync-sleep",
        n=20,
        delay=0.5,
        server="gunicorn-gthread",
        workers=1,
        threads=4,
    )

    run, rows = drawn_run(page, site, run_id)

    # It drew while the run went: some views, not yet all.
    samples = page.evaluate("window.timelineSamples")
    assert any(
        s["id"] == run_id and s["status"] == "running" and 0 < s["inView"] < 20 for s in samples
    )
    # Four threads, each running one view at a time: never more than four views at once, so
    # twenty take at least five delays (all at once would take one). Which thread takes which
    # call is a race: a thread that wakes late can leave its share to the others.
    per_thread = assert_one_view_at_a_time(rows, ("pid", "thread"))
    assert 1 <= len(per_thread) <= 4
    assert len({pid for pid, _ in per_thread}) == 1
    assert most_in_view(rows) <= 4
    assert run["wall_s"] >= 0.95 * 5 * 0.5
    page.get_by_role("button", name="By thread", exact=True).click()
    expect(page.get_by_role("button", name="By thread", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    page.wait_for_function("() => window.dashboard.timeline.runs[0]?.lanes.length > 0")
    lanes = page.evaluate("window.dashboard.timeline.runs[0].lanes")
    # One lane per thread, of one line (one view at a time), with that thread's views.
    assert sorted((lane["pid"], lane["thread"], lane["views"]) for lane in lanes) == sorted(
        (pid, thread, views) for (pid, thread), views in per_thread.items()
    )
    assert all(lane["lines"] == 1 for lane in lanes)
    redraws = page.evaluate("window.dashboard.timeline.cost.redraws")
    page.locator("body").press("t")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.wait_for_function(f"() => window.dashboard.timeline.cost.redraws > {redraws}")
    screenshot(page, "timeline-sync-sleep-x20-gthread-4-threads-dark")
    assert_card_shows_phases(page, run)
    assert console.problems() == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_race_draws_both_runs_on_one_axis_and_exports_them(
    page: Page, console: Console, site: Server
) -> None:
    ids = launch(site, "/races/", scenario="async-sleep", n=10, delay=0.3, versus="async-blocking")

    drawn = wait_until_drawn(page, ids)
    assert [run["key"] for run in drawn] == ["async-sleep@uvicorn", "async-blocking@uvicorn"]
    for shown, run_id in zip(drawn, ids, strict=True):
        assert_drawn_as_measured(shown, api_run(site, run_id))
    screenshot(page, "timeline-race-async-sleep-vs-async-blocking")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the timeline as PNG", exact=True).click()
    assert download.value.suggested_filename == f"asyncviews-timeline-run-{ids[0]}-vs-{ids[1]}.png"
    # Drawn at twice its 1200 pixels wide, for crisp documentation, and tall enough for 20 rows.
    width, height = png_size(Path(download.value.path()).read_bytes())
    assert width == 2400
    assert height >= 2 * 20 * 20
    assert console.problems() == []


@pytest.mark.parametrize("n", [100, 500, 1000])
def test_redraw_times(page: Page, console: Console, site: Server, n: int) -> None:
    """Printed, not asserted: what a redraw of the timeline costs in this browser."""
    [run_id] = launch(site, scenario="async-sleep", n=n, delay=0.5)
    wait_until_drawn(page, [run_id])
    live = page.evaluate(f"window.dashboard.timeline.cost.recent.filter((c) => c.rows === {n})")
    forced = page.evaluate(
        "() => Array.from({ length: 30 }, () => window.dashboard.timeline.redraw())"
    )
    fetches = page.evaluate("window.dashboard.timeline.fetches")
    live_ms = [c["ms"] for c in live]
    print(
        f"\ntimeline n={n}: forced redraw median {statistics.median(forced):.1f} ms, "
        f"max {max(forced):.1f} ms (30 redraws); while it ran and after: {len(live_ms)} "
        f"redraws, median {statistics.median(live_ms):.1f} ms, max {max(live_ms):.1f} ms; "
        f"GET /runs/{run_id}/ for spans: {fetches['count']} so far, last {fetches['lastMs']:.0f} ms"
    )
    assert console.problems() == []
