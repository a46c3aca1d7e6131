"""The dashboard's screenshots for the docs: `make screenshots` (python -m docs.screenshots).

It serves the site on a free port from a temporary data directory, drives the real page in
Debian's Chromium at 1280x720 with no network but the server's (as harness/browser.py does),
the way a presenter would: pick the scenario, set N and the delay, pick the server (and a
rival scenario or server for a race), press Fire, and wait for the page to show the run
finished, drawn across the live chart from the instant it fired to its end. Each view is
saved in the light and the dark theme into docs/screenshots/, and the runs' numbers, as the
runs API reports them, into its README.md; a run that fails, or a page that logs errors,
leaves the last set as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from dashboard.servers.registry import SERVERS, Config
from harness.browser import Console, chromium, offline_page
from harness.server import Server, start_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
THEMES = ("light", "dark")
RUN_TIMEOUT_MS = 60_000
# The idle page shows a few seconds of flat lines rather than a single point.
IDLE_FRAMES_S = 3


@dataclass(frozen=True)
class Shot:
    """One view of the page: a run (or a race of two) fired from the form, or none.

    A race is two scenarios on one server (versus), one scenario on two servers
    (versus_server), or both. tab is the key that shows a tab other than View source once the
    run is drawn (the presenter's keys: l the Timeline, h the Runs).
    """

    name: str
    shows: str
    scenario: str | None = None
    n: int = 0
    delay: float = 0.0
    versus: str | None = None
    server: str = "uvicorn"
    workers: int | None = None
    versus_server: str | None = None
    tab: str | None = None

    @property
    def race(self) -> bool:
        return bool(self.versus or self.versus_server)


# Each picture with the runs it shows, as the runs API reports them.
Made = list[tuple[Shot, list[dict[str, Any]]]]

SHOTS = [
    Shot("idle", "the page once connected, before any run"),
    Shot(
        "async-sleep-x500",
        "500 awaiting views at once: all in view together, one thread each",
        "async-sleep",
        500,
        1,
    ),
    Shot(
        "sync-sleep-x50",
        "50 sleeping sync views: a thread per request, so they overlap",
        "sync-sleep",
        50,
        1,
    ),
    Shot(
        "async-blocking-x10",
        "the mistake: one at a time, in view stuck at 1, the loop blocked",
        "async-blocking",
        10,
        0.2,
    ),
    Shot(
        "async-sleep-x50-gunicorn-sync",
        "the same awaiting views under gunicorn's 4 sync workers: 4 at a time, 13 rounds",
        "async-sleep",
        50,
        0.2,
        server="gunicorn-sync",
        workers=4,
    ),
    Shot(
        "race-async-sleep-uvicorn-vs-gunicorn-sync",
        "the tutorial's race: one scenario, one event loop against 4 sync workers",
        "async-sleep",
        50,
        0.2,
        versus_server="gunicorn-sync",
    ),
    Shot(
        "sync-cpu-x4",
        "computing in a sync view: a thread each, but one process computes on one core at a time",
        "sync-cpu",
        4,
        0.5,
    ),
    Shot(
        "sync-cpu-x4-gunicorn-sync",
        "the same under gunicorn's 4 sync workers: processes, so the work spreads over the cores",
        "sync-cpu",
        4,
        0.5,
        server="gunicorn-sync",
        workers=4,
    ),
    Shot(
        "race-async-sleep-vs-async-blocking",
        "a race: the blocked loop drags the awaiting views down with it",
        "async-sleep",
        10,
        0.2,
        versus="async-blocking",
    ),
    Shot(
        "race-async-gather-vs-sync-sequential",
        "a race: three upstream calls at once against one after another",
        "async-gather",
        20,
        0.5,
        versus="sync-sequential",
    ),
    Shot(
        "timeline-sync-sleep-x6-gunicorn-sync",
        "the Timeline tab: 2 sync workers serve 6 sleeping views in 3 rounds of 2,"
        " the others waiting",
        "sync-sleep",
        6,
        0.5,
        server="gunicorn-sync",
        workers=2,
        tab="l",
    ),
]


def gauge(name: str) -> str:
    """A JS expression: the number a gauge shows."""
    return f"Number(document.querySelector('#gauge-{name} output').textContent)"


def wait_until_connected(page: Page) -> None:
    page.wait_for_function("() => window.dashboard?.charts != null")
    expect(page.locator("#stream-status")).to_have_attribute("data-state", "live")
    page.wait_for_function(
        f"""() => {{
            const {{ frames }} = window.dashboard.state;
            return frames.length > 1 && frames.at(-1).t - frames[0].t >= {IDLE_FRAMES_S};
        }}"""
    )


def fire(page: Page, shot: Shot) -> None:
    """Reset the charts, fill the form and press Fire, as the presenter does."""
    assert shot.scenario is not None
    page.get_by_role("button", name="Reset charts", exact=True).click()
    # The scenario's label, clicked as a presenter does; found by its slug, as the registry's
    # labels would take setting Django up here.
    radio = page.locator(f'input[name="scenario"][value="{shot.scenario}"]')
    page.locator("label.choice", has=radio).click()
    expect(radio).to_be_checked()
    page.get_by_label("N, concurrent calls", exact=True).fill(str(shot.n))
    page.get_by_label("Delay per call (s)", exact=True).fill(f"{shot.delay:g}")
    server = page.get_by_role("radio", name=shot.server, exact=True)
    page.locator("label.chip", has=server).click()
    expect(server).to_be_checked()
    if shot.workers is not None:
        page.get_by_label("workers", exact=True).fill(str(shot.workers))
    page.get_by_label("Race against", exact=True).select_option(shot.versus or "")
    page.get_by_label("on server", exact=True).select_option(shot.versus_server or "")
    endpoint = "/races/" if shot.race else "/runs/"
    # A server that is not up yet starts first: the answer waits for it.
    with page.expect_response(
        lambda r: r.url.endswith(endpoint) and r.request.method == "POST", timeout=RUN_TIMEOUT_MS
    ) as answer:
        page.get_by_role("button", name="Fire", exact=True).click()
    if answer.value.status != 201:
        raise SystemExit(f"{endpoint} answered {answer.value.status}: {answer.value.text()}")


def wait_until_finished(page: Page, shot: Shot) -> None:
    """Until the card shows the run finished, and in a race which run finished first."""
    card = page.locator("#run-card")
    expect(card).to_have_attribute("data-status", "finished", timeout=RUN_TIMEOUT_MS)
    expect(card.locator('[data-field="wall"]')).to_have_text(re.compile(r"^\d+\.\d\d s$"))
    if shot.race:
        expect(card.locator('[data-field="race"]')).to_have_text(
            re.compile(r"(first by|Dead heat).* s$"), timeout=RUN_TIMEOUT_MS
        )


def wait_until_drawn(page: Page, shot: Shot) -> None:
    """Until the charts hold all of the run (or the race) and the gauges are back at rest."""
    runs = 2 if shot.race else 1
    # Every request a point (the percentile lines are the datasets drawn as lines), the runs'
    # own timings loaded (so the percentiles are the server's), the live chart on the run from
    # the instant it fired, with a marker where each run ended.
    page.wait_for_function(
        f"""() => {{
            const {{ charts, state }} = window.dashboard;
            const points = charts.durations.data.datasets
                .filter((d) => !d.showLine)
                .reduce((sum, d) => sum + d.data.length, 0);
            return points === {shot.n * runs} && state.timings != null
                && (state.rival == null || state.rival.timings != null)
                && charts.live.$relative
                && charts.live.$markers.filter((marker) => !marker.start).length === {runs};
        }}"""
    )
    # A frame holds the most seen in its 100 ms: the one after the end can still count some.
    page.wait_for_function(f"() => {gauge('in-flight')} === 0 && {gauge('in-view')} === 0")


# The tab each key shows, as static/dashboard/keys.js has them.
TABS = {"v": "tab-source", "h": "tab-runs", "l": "tab-timeline"}


def show_tab(page: Page, key: str) -> None:
    """Press the tab's key, as the presenter does; for the Timeline, wait until it has drawn the
    run ended, with its saved timings and spans."""
    page.locator("body").press(key)
    expect(page.locator(f"#{TABS[key]}")).to_have_attribute("aria-selected", "true")
    if key == "l":
        page.wait_for_function(
            """() => {
                const { runs } = window.dashboard.timeline;
                return runs.length > 0
                    && runs.every((r) => r.final && r.rows.every((x) => x.answered != null));
            }"""
        )


def set_theme(page: Page, theme: str) -> None:
    """Switch with the header's button, then wait for the charts to redraw in the new colours."""
    html = page.locator("html")
    if html.get_attribute("data-theme") != theme:
        page.get_by_role("button", name=f"Switch to {theme}", exact=True).click()
        expect(html).to_have_attribute("data-theme", theme)
    # Any redraw from now on draws the charts the theme change made.
    redraws = page.evaluate("window.dashboard.state.cost.redraws")
    page.wait_for_function(f"() => window.dashboard.state.cost.redraws > {redraws}")


def take(page: Page, shot: Shot, into: Path) -> list[Path]:
    paths = []
    for theme in THEMES:
        set_theme(page, theme)
        path = into / f"{shot.name}-{theme}.png"
        page.screenshot(path=path)
        paths.append(path)
    return paths


def run_ids(client: httpx.Client) -> list[int]:
    return [run["id"] for run in client.get("/runs/").raise_for_status().json()["runs"]]


def runs_after(client: httpx.Client, last_id: int) -> list[dict[str, Any]]:
    """The runs with an id above last_id, oldest first, with everything the server measured."""
    ids = sorted(run_id for run_id in run_ids(client) if run_id > last_id)
    return [client.get(f"/runs/{run_id}/").raise_for_status().json() for run_id in ids]


COLUMNS = [
    *("scenario", "server", "n", "delay", "wall", "written well", "ideal", "p50", "p99", "errors"),
    "peaks",
]


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def cells(run: dict[str, Any]) -> list[str]:
    """One run's row: what was fired and what the server measured."""
    peaks = run["peaks"]
    lag = peaks.get("loop_lag_ms")
    cpu = peaks.get("cpu_pct")
    registered = SERVERS[run["server"]]
    shape = registered.shape(Config(run["server"], run["workers"], run["threads"]))
    no_lag = "no loop" if registered.protocol == "wsgi" else "-"
    return [
        run["scenario"],
        f"{run['server']} ({shape})",
        str(run["n"]),
        f"{run['delay']:g} s",
        seconds(run["wall_s"]),
        seconds(run["written_well_s"]),
        seconds(run["ideal_wall_s"]),
        seconds(run["p50_s"]),
        seconds(run["p99_s"]),
        str(run["errors"]),
        f"in flight {peaks.get('in_flight', '-')}, in view {peaks.get('in_view', '-')}, "
        f"threads {peaks.get('threads', '-')}, CPU {'-' if cpu is None else f'{cpu:.0f} %'}, "
        f"loop lag {no_lag if lag is None else f'{lag:.0f} ms'}",
    ]


def printed_table(made: Made) -> str:
    """The runs as aligned columns, for the terminal."""
    rows = [["shot", *COLUMNS]]
    rows += [[shot.name, *cells(run)] for shot, runs in made for run in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "".join(row[i].ljust(width + 2) for i, width in enumerate(widths)) + row[-1] for row in rows
    )


def markdown_table(made: Made) -> str:
    """Each picture's files, what it shows, and one row per run in it."""
    rows = ["| files | shows | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 2) + "|"]
    for shot, runs in made:
        files = ", ".join(f"[{theme}]({shot.name}-{theme}.png)" for theme in THEMES)
        first = [f"`{shot.name}`: {files}", shot.shows]
        for run in runs or [{}]:
            numbers = cells(run) if run else ["no run"] + [""] * (len(COLUMNS) - 1)
            rows.append("| " + " | ".join([*first, *numbers]) + " |")
            first = ["", ""]
    return "\n".join(rows)


def write_index(made: Made) -> None:
    (OUT / "README.md").write_text(
        "# Screenshots\n\n"
        "The dashboard at 1280x720, light and dark, made by `make screenshots`"
        " (`docs/screenshots.py`),\nwhich fires each run from the page as a presenter would"
        " and waits for the live chart to show it\nfrom fire to end, and overwrites"
        " these files. The numbers are the runs API's for the\nruns in each picture, measured"
        f" on {date.today().isoformat()} on a machine with {os.cpu_count()} cores.\n\n"
        + markdown_table(made)
        + "\n"
    )


def make_screenshots(server: Server, into: Path) -> tuple[Made, list[str]]:
    """Every shot, with its runs; and the errors and warnings the page logged meanwhile."""
    made: Made = []
    console = Console()
    with (
        httpx.Client(base_url=server.url) as client,
        chromium() as browser,
        offline_page(browser, console) as page,
    ):
        page.goto(server.url + "/")
        wait_until_connected(page)
        for shot in SHOTS:
            last_id = max(run_ids(client), default=0)
            if shot.scenario:
                fire(page, shot)
                wait_until_finished(page, shot)
                wait_until_drawn(page, shot)
            if shot.tab:
                show_tab(page, shot.tab)
            paths = take(page, shot, into)
            if shot.tab:
                show_tab(page, "v")  # the next shot shows View source again, as the page opens
            runs = runs_after(client, last_id)
            made.append((shot, runs))
            print(f"{', '.join(p.name for p in paths)}: {shot.shows}", flush=True)
    return made, console.problems()


def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="asyncviews-screenshots-") as temp:
        data_dir, shots_dir = Path(temp) / "data", Path(temp) / "screenshots"
        shots_dir.mkdir()
        # Console.problems reads the Chart.js pin from the settings, which keep a data directory.
        os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
        os.environ["ASYNCVIEWS_DATA_DIR"] = str(data_dir)
        server = start_server(data_dir)
        try:
            made, problems = make_screenshots(server, shots_dir)
        finally:
            server.stop()
        print()
        print(printed_table(made))
        if problems:
            # Pictures of a page that threw errors document a bug: keep the last good ones.
            raise SystemExit(
                f"the page logged problems, {OUT.relative_to(ROOT)}/ is left as it was:\n"
                + "\n".join(problems)
            )
        # Only a complete, clean set replaces the last one.
        OUT.mkdir(parents=True, exist_ok=True)
        for png in sorted(shots_dir.iterdir()):
            shutil.move(png, OUT / png.name)
    write_index(made)
    print(f"\n{len(made) * len(THEMES)} screenshots in {OUT.relative_to(ROOT)}/,", end=" ")
    print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
