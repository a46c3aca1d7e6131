"""The page in front of an audience: what a speaker tripped over, in Chromium with the network
cut, at projector sizes (1280x720, 1920x1080, 1024x768) and on the audience's phones (390x844).

Each test drives the page as a speaker would and checks what the room sees: the live chart on
the run being shown, a lag gauge that tells "blocked now" from "busy recently", the code of the
run being hammered, keys that do what the help says, labels that are never cut, panels that do
not move, races that say which line is whose, and a phone that shows the run first.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from asyncviews.scenarios import SCENARIOS
from harness.browser import LOCAL, Console, _cut_off, screenshot
from harness.server import Server, start_server
from tests.runs import finish, launch, race

RUN_TIMEOUT_MS = 30_000
TOKEN = "speaker-s3cret"
CARD = "#run-card"
LIVE = "window.dashboard.charts.live"
DURATIONS = "window.dashboard.charts.durations"


def card_field(page: Page, name: str) -> str:
    return page.locator(f'{CARD} [data-field="{name}"]').inner_text()


def pick(page: Page, slug: str) -> None:
    """Click a scenario in the form, as the presenter does."""
    radio = page.locator(f'input[name="scenario"][value="{slug}"]')
    page.locator("label.choice", has=radio).click()
    expect(radio).to_be_checked()


def fire_and_wait(page: Page, *, endpoint: str = "/runs/") -> int:
    """Press Fire; the id of the run (the first of a race) whose card comes back."""
    with page.expect_response(
        lambda r: r.url.endswith(endpoint) and r.request.method == "POST", timeout=RUN_TIMEOUT_MS
    ) as answer:
        page.get_by_role("button", name="Fire", exact=True).click()
    assert answer.value.status == 201, answer.value.text()
    found = re.search(r'data-run-id="(\d+)"', answer.value.text())
    assert found is not None
    return int(found.group(1))


def shown_run(page: Page, run_id: int) -> None:
    expect(page.locator(CARD)).to_have_attribute("data-run-id", str(run_id), timeout=RUN_TIMEOUT_MS)


def finished(page: Page, run_id: int) -> None:
    """Until the card shows run_id finished, with its timings loaded (the charts' points)."""
    shown_run(page, run_id)
    expect(page.locator(CARD)).to_have_attribute("data-status", "finished", timeout=RUN_TIMEOUT_MS)
    page.wait_for_function(
        "() => window.dashboard.state.timings != null"
        " && (window.dashboard.state.rival == null || window.dashboard.state.rival.timings != null)"
    )


def legend(page: Page, chart: str) -> list[str]:
    texts: list[str] = page.evaluate(f"{chart}.legend.legendItems.map((item) => item.text)")
    return texts


def test_the_live_chart_shows_the_run_on_its_own_scale(
    page: Page, console: Console, site: Server
) -> None:
    # A big run, then four more scenarios in the same half minute, as a talk goes.
    finish(site.url, launch(site.url, "async-sleep", 200, 0.3)["id"])
    others = [launch(site.url, slug, 5, 0.2) for slug in SCENARIOS if slug != "sync-sleep"][:4]
    for run in others:
        finish(site.url, run["id"])
    pick(page, "sync-sleep")
    page.get_by_label("N, concurrent calls", exact=True).fill("5")
    page.get_by_label("Delay per call (s)", exact=True).fill("0.5")
    run_id = fire_and_wait(page)
    finished(page, run_id)
    page.wait_for_function(f"() => {LIVE}.$markerLabels?.length === 2")

    # Its own legend, its own scale, its own stretch of time.
    assert legend(page, LIVE) == [f"#{run_id} sync-sleep @ uvicorn"]
    page.wait_for_function(
        f"() => {LIVE}.options.scales.x.title.text"
        f' === "seconds after run #{run_id} fired · each request\'s own times"'
    )
    y_max = page.evaluate(f"{LIVE}.scales.y.max")
    assert 5 <= y_max <= 10, y_max
    wall = float(card_field(page, "wall").removesuffix(" s"))
    span = page.evaluate(f"{LIVE}.scales.x.max - {LIVE}.scales.x.min")
    assert wall <= span <= wall + 2, (wall, span)
    area, height = page.evaluate(f"[{LIVE}.chartArea.height, {LIVE}.height]")
    assert area > 0.6 * height, (area, height)
    screenshot(page, "speaker-small-run-after-a-big-one")

    # Between runs: the last 30 s, one series per server, however many scenarios ran.
    page.get_by_role("button", name="Show the last 30 s of every server", exact=True).click()
    page.wait_for_function(f"() => {LIVE}.options.scales.x.max === 0")
    assert page.evaluate(f"{LIVE}.options.scales.x.min") == -30
    assert legend(page, LIVE) == ["all on uvicorn"]
    page.get_by_role("button", name=f"Show run {run_id} from fire to end", exact=True).click()
    page.wait_for_function(f"() => {LIVE}.options.scales.x.max > 0")
    assert console.problems() == []


# Every 50 ms while a run goes: the lag gauge and the card's peak, read at the same instant.
LAG_SAMPLER = """() => {
    const text = (selector) => document.querySelector(selector)?.textContent ?? "";
    const ms = (value, unit) => (unit === "s" ? Number(value) * 1000 : Number(value));
    window.lagSamples = [];
    setInterval(() => {
        const gauge = document.getElementById("gauge-loop-lag");
        const [peak, peakUnit] = text('#run-card [data-field="peak-lag"]').split(" ");
        window.lagSamples.push({
            run: document.getElementById("run-card").dataset.runId,
            status: document.getElementById("run-card").dataset.status,
            level: gauge.dataset.level ?? "",
            help: text("#help-loop-lag"),
            lagMs: ms(text("#gauge-loop-lag output"), text("#gauge-loop-lag .unit")),
            peakMs: ms(peak, peakUnit),
        });
    }, 50);
}"""


def test_the_lag_gauge_tells_blocked_now_from_busy_recently(page: Page, console: Console) -> None:
    page.evaluate(LAG_SAMPLER)
    pick(page, "async-blocking")
    page.get_by_label("N, concurrent calls", exact=True).fill("5")
    page.get_by_label("Delay per call (s)", exact=True).fill("0.4")
    run_id = fire_and_wait(page)
    gauge = page.locator("#gauge-loop-lag")
    expect(gauge).to_have_attribute("data-level", "alarm", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#help-loop-lag")).to_have_text("blocked now")
    screenshot(page, "speaker-blocked-now")
    finished(page, run_id)

    # Once the loop is free: no alarm, the worst of the last 30 s with its age.
    expect(gauge).not_to_have_attribute("data-level", "alarm")
    expect(page.locator("#help-loop-lag")).to_have_text(
        re.compile(r"^blocked \d+(\.\d)? (ms|s), (just now|\d+ s ago)$")
    )
    samples: list[dict[str, Any]] = page.evaluate("window.lagSamples")
    running = [s for s in samples if s["run"] == str(run_id) and s["status"] == "running"]
    assert any(s["level"] == "alarm" and s["help"] == "blocked now" for s in running)
    # The card's peak never says less than the gauge shows for the same run, nor at its end.
    # (NaN: a dash, nothing measured yet: the gauge before the first report, the card before
    # the first frame counted the run.)
    shown = [s for s in running if not math.isnan(s["lagMs"]) and not math.isnan(s["peakMs"])]
    assert shown
    # Once the card has a peak, it keeps one for the rest of the run: no flicker back to a dash.
    first = next(i for i, s in enumerate(running) if not math.isnan(s["peakMs"]))
    assert not any(math.isnan(s["peakMs"]) for s in running[first:])
    bad = [s for s in shown if not s["peakMs"] >= s["lagMs"]]
    assert bad == [], json.dumps(bad[:6])
    peak = next(s["peakMs"] for s in reversed(samples) if s["status"] == "finished")
    assert peak >= max(s["lagMs"] for s in shown)

    # The mistake against the same work written well, and the best the code can do as written.
    assert card_field(page, "well") == "0.40 s"
    assert card_field(page, "as-written") == "as written, at best 2.00 s"
    ratio = float(card_field(page, "ratio").removeprefix("\N{MULTIPLICATION SIGN} "))
    assert ratio >= 2.0 / 0.4 * 0.9
    assert console.problems() == []


def test_the_code_on_screen_is_the_code_being_hammered(
    page: Page, console: Console, site: Server
) -> None:
    # Fired from the API, not the form, whose first scenario stays picked.
    gather, sequential = race(site.url, "async-gather", 5, 1.5, versus="sync-sequential")
    shown = page.locator("[data-source-for]:visible")
    expected = {
        "async-gather": f"run #{gather['id']}",
        "sync-sequential": f"run #{sequential['id']}",
    }

    def sources_follow_the_race() -> None:
        expect(shown).to_have_count(2, timeout=RUN_TIMEOUT_MS)
        for slug, caption in expected.items():
            figure = page.locator(f'[data-source-for="{slug}"]')
            expect(figure).to_be_visible()
            expect(figure.locator("[data-source-of]")).to_have_text(caption)

    sources_follow_the_race()
    expect(page.locator('[data-source-for="async-gather"]')).to_contain_text("asyncio.gather(")
    page.reload()
    page.wait_for_function("() => window.dashboard?.charts != null")
    expect(page.locator(CARD)).to_have_attribute("data-status", "running")
    sources_follow_the_race()

    # Picking another scenario shows its code, said to be picked and not fired.
    pick(page, "async-blocking")
    expect(shown).to_have_count(1)
    expect(shown.locator("[data-source-of]")).to_have_text("picked, not fired yet")
    expect(page.locator("#help-tab")).to_have_text("the code picked in the form")
    for run in (gather, sequential):
        finish(site.url, run["id"])
    assert console.problems() == []


def test_the_presenters_keys_work_from_any_focus(page: Page, console: Console) -> None:
    # Pick, N, Enter: after clicking a preset, Enter fires instead of clicking it again.
    page.locator("body").press("2")
    page.get_by_label("Delay per call (s)", exact=True).fill("0.1")
    page.get_by_role("button", name="N = 10", exact=True).click()
    with page.expect_response(lambda r: r.url.endswith("/runs/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 201
    assert "n=10" in (answer.value.request.post_data or "").split("&")
    expect(page.locator(f'{CARD} [data-field="shape"]')).to_have_text(
        "\N{MULTIPLICATION SIGN} 10, delay 0.1 s"
    )
    expect(page.locator(CARD)).to_have_attribute("data-status", "finished", timeout=RUN_TIMEOUT_MS)

    # A race, fired with Enter while a tab clicked with the mouse has the focus.
    versus = page.get_by_label("Race against", exact=True)
    versus.select_option("async-blocking")
    page.get_by_role("tab", name="Runs", exact=True).click()
    with page.expect_response(lambda r: r.url.endswith("/races/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 201
    found = re.search(r'data-run-id="(\d+)"', answer.value.text())
    assert found is not None
    a = int(found.group(1))
    # Fired once: the next Fire is a single run again.
    expect(versus).to_have_value("")
    expect(versus.locator("option:checked")).to_have_text("nobody")
    finished(page, a)
    b = page.evaluate("window.dashboard.state.rival.id")
    page.wait_for_function(
        f"() => {DURATIONS}.data.datasets.filter((d) => !d.$mark && d.label !== 'error')"
        ".every((d) => d.data.length === 10)"
    )

    # R empties the charts of both runs of the race; the card keeps the race.
    page.keyboard.press("r")
    page.wait_for_function(f"() => {DURATIONS}.data.datasets.every((d) => d.data.length === 0)")
    assert page.evaluate(f"{LIVE}.options.scales.x.max") == 0
    expect(page.locator(CARD)).to_have_attribute("data-run-id", str(a))
    assert page.evaluate("window.dashboard.state.rival.id") == b
    assert console.problems() == []


# The elements that carry a label or a figure. Each must show all of its text: nothing scrolled
# away inside it, nothing sticking out of its panel.
LABELS = ", ".join(
    [
        ".site-header .tool, .stream-status",
        ".choice-label, .chip-label, .server-label, .controls legend, .field > label",
        ".gauge h3, .gauge-value, .gauge .help, .server-status, .workers-of, .worker-cells li",
        ".chart-head h2, .chart-head .help, .chart-head .tool",
        ".run-card-head h2, .run-card-head .status, .run-what > span, .metric dt, .metric dd",
        ".yardstick > span, .run-done, .race, .error-kinds, .telemetry-gap",
        "[role=tab], .tabs .help, .source figcaption, .source .line, #pane-runs, .history-table th",
    ]
)
CUT = """(selectors) => {
    const cut = [];
    for (const element of document.querySelectorAll(selectors)) {
        if (!element.checkVisibility()) continue;
        const text = element.textContent.trim().slice(0, 40);
        const name = `${element.className || element.tagName} "${text}"`;
        if (element.clientWidth && element.scrollWidth > element.clientWidth + 1) {
            cut.push(`${name}: ${element.scrollWidth} > ${element.clientWidth} wide`);
        }
        const box = element.getBoundingClientRect();
        const panel = element.closest(".panel, .site-header")?.getBoundingClientRect();
        if (panel && (box.left < panel.left - 1 || box.right > panel.right + 1)) {
            cut.push(`${name}: ${box.left}-${box.right}, out of ${panel.left}-${panel.right}`);
        }
    }
    // Boxes of a fixed height: nothing below their bottom.
    for (const selector of ["#run-card", "#gauge-loop-lag", ".workers"]) {
        const { scrollHeight, clientHeight } = document.querySelector(selector);
        if (scrollHeight > clientHeight + 1) cut.push(`${selector}: ${scrollHeight} tall`);
    }
    // The charts' own labels: legends inside their canvas, drawn labels inside the plot.
    const { live, durations } = window.dashboard.charts;
    for (const [name, chart] of Object.entries({ live, durations })) {
        for (const { left, width } of chart.legend.legendHitBoxes) {
            if (left < 0 || left + width > chart.width) cut.push(`${name} legend at ${left}`);
        }
        const area = chart.chartArea;
        for (const label of [...(chart.$lineLabels ?? []), ...(chart.$markerLabels ?? [])]) {
            const across = label.left < area.left - 1 || label.right > area.right + 1;
            const { top, bottom } = label;
            const up = top != null && (top < area.top - 1 || bottom > area.bottom + 1);
            const outside = across || up;
            if (outside) cut.push(`${name}: "${label.text ?? label.label}" leaves the plot`);
        }
    }
    return cut;
}"""


def cut_labels(page: Page) -> list[str]:
    found: list[str] = page.evaluate(CUT, LABELS)
    return found


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080), (1024, 768)])
def test_nothing_that_carries_meaning_is_cut(
    page: Page, console: Console, site: Server, width: int, height: int
) -> None:
    # The longest names there are: a race of two scenarios on two servers, and many workers.
    runs = race(
        site.url,
        "sync-to-async-threads",
        4,
        0.2,
        versus="async-sleep",
        server="gunicorn-uvicorn",
        workers=4,
        versus_server="gunicorn-gthread",
    )
    page.set_viewport_size(ViewportSize(width=width, height=height))
    finished(page, runs[0]["id"])
    expect(page.locator(f"{CARD} .race")).to_have_text(re.compile(r"(first by|Dead heat).* s$"))
    page.wait_for_function(f"() => {DURATIONS}.$lineLabels?.length > 0")
    assert cut_labels(page) == []
    screenshot(page, f"speaker-race-{width}x{height}")
    page.get_by_role("tab", name="Runs", exact=True).click()
    assert cut_labels(page) == []
    assert console.problems() == []


# Every 50 ms, where the panels are: none may move or change size while runs come and go.
RECT_SAMPLER = """(selectors) => {
    window.rects = [];
    setInterval(() => {
        window.rects.push(selectors.map((selector) => {
            const { x, y, width, height } = document.querySelector(selector)
                .getBoundingClientRect();
            return [selector, ...[x, y, width, height].map(Math.round)];
        }));
    }, 50);
}"""
PANELS = [".gauges", ".live .chart-box", ".durations .chart-box", "#run-card", ".history"]


def test_nothing_moves_when_badges_and_lines_appear(
    page: Page, console: Console, site: Server
) -> None:
    page.evaluate(RECT_SAMPLER, PANELS)
    # A blocked loop (the alarm), four workers (their cells), errors, a race (its verdict), and
    # views that answer before their work: every badge and line the card and gauges can grow.
    blocked = launch(site.url, "async-blocking", 8, 0.3, server="gunicorn-uvicorn", workers=4)
    expect(page.locator("#gauge-loop-lag")).to_have_attribute(
        "data-level", "alarm", timeout=RUN_TIMEOUT_MS
    )
    expect(page.locator(".worker-cells li")).to_have_count(4)
    finish(site.url, blocked["id"])
    mistake = launch(site.url, "orm-mistake", 5, 0.2)
    finished(page, mistake["id"])
    expect(page.locator(f"{CARD} .error-kinds")).to_contain_text("SynchronousOnlyOperation")
    expect(page.locator(f'{CARD} [data-field="ratio"]')).to_have_text("all failed")
    forgotten = launch(site.url, "fire-and-forget", 5, 0.5)
    finished(page, forgotten["id"])
    expect(page.locator(f'{CARD} [data-field="as-written"]')).to_have_text(
        "as written, it answers before the work is done"
    )
    expect(page.locator(f'{CARD} [data-field="well"]')).to_have_text("0.50 s")
    rivals = race(site.url, "async-sleep", 5, 0.2, versus="sync-sleep")
    finished(page, rivals[0]["id"])
    expect(page.locator(f"{CARD} .race")).not_to_be_empty()

    rects: list[list[list[Any]]] = page.evaluate("window.rects")
    assert len(rects) > 20
    moved = [sample for sample in rects if sample != rects[0]]
    assert moved == [], (rects[0], moved[:3])
    assert console.problems() == []


def test_the_help_closes_without_scrolling_at_720p(page: Page, console: Console) -> None:
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="What the numbers mean")
    expect(dialog).to_be_visible()
    close = dialog.get_by_role("button", name="Close", exact=True)
    box = close.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 720
    assert page.evaluate("[window.scrollY, document.querySelector('#help').scrollTop]") == [0, 0]
    close.click()
    expect(dialog).to_be_hidden()
    assert console.problems() == []


def overlapping(boxes: list[dict[str, Any]], *, along: str) -> list[Any]:
    """Pairs of boxes that overlap: across, left to right; along, on one "row" or top to bottom."""
    lo, hi = {"row": ("row", "row"), "y": ("top", "bottom")}[along]
    found = []
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            # Half a pixel of slack: labels stacked edge to edge touch, they do not overlap.
            same_band = (
                one[lo] == other[lo]
                if along == "row"
                else one[lo] < other[hi] - 0.5 and other[lo] < one[hi] - 0.5
            )
            if same_band and one["left"] < other["right"] and other["left"] < one["right"]:
                found.append((one, other))
    return found


def test_a_race_says_whose_line_is_whose_and_exports_both_runs(
    page: Page, console: Console, site: Server
) -> None:
    # Two runs that end together: their end markers meet on the live chart.
    a, b = (run["id"] for run in race(site.url, "async-sleep", 5, 0.2, versus="async-blocking"))
    finished(page, a)
    page.wait_for_function(f"() => {LIVE}.$markerLabels?.length === 3")
    markers: list[dict[str, Any]] = page.evaluate(f"{LIVE}.$markerLabels")
    assert sorted(m["label"] for m in markers) == sorted([f"▶ #{a} #{b}", f"■ #{a}", f"■ #{b}"])
    assert overlapping(markers, along="row") == []

    lines = page.evaluate(f"{DURATIONS}.data.datasets.filter((d) => d.$mark).map((d) => d.label)")
    assert len(lines) == 6
    assert all(re.fullmatch(rf"#({a}|{b}) (p50|p99|max) \d+\.\d\d s", line) for line in lines), (
        lines
    )
    labels: list[dict[str, Any]] = page.evaluate(f"{DURATIONS}.$lineLabels")
    assert {label["text"].split(":")[0] for label in labels} == {f"#{a}", f"#{b}"}
    assert overlapping(labels, along="y") == []
    assert legend(page, DURATIONS) == [f"#{a} async-sleep", f"#{b} async-blocking"]

    with page.expect_download() as json_download:
        page.get_by_role("button", name="Download run as JSON", exact=True).click()
    exported = json.loads(Path(json_download.value.path()).read_text())
    assert [run["id"] for run in exported["runs"]] == [a, b]
    assert all(len(run["timings"]) == 5 for run in exported["runs"])
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download run as CSV", exact=True).click()
    rows = [
        line.split(",") for line in Path(csv_download.value.path()).read_text().splitlines()[1:]
    ]
    assert sorted({(row[0], row[1]) for row in rows}) == sorted(
        [(str(a), "async-sleep"), (str(b), "async-blocking")]
    )
    assert len(rows) == 10
    assert csv_download.value.suggested_filename == (
        f"asyncviews-race-{a}-{b}-async-sleep-vs-async-blocking.csv"
    )

    # The picture carries its title and the runs' ids, drawn in when it is made.
    page.evaluate(
        """() => {
            window.drawnTitles = [];
            const { live, durations } = window.dashboard.charts;
            for (const chart of [live, durations]) {
                const original = chart.toBase64Image.bind(chart);
                chart.toBase64Image = (...args) => {
                    const { title, subtitle } = chart.options.plugins;
                    const drawn = (part) => (part.display ? part.text : null);
                    window.drawnTitles.push([drawn(title), drawn(subtitle)]);
                    return original(...args);
                };
            }
        }"""
    )
    for chart in ["in flight vs in view", "request durations"]:
        with page.expect_download() as png:
            page.get_by_role("button", name=f"Download the {chart} chart as PNG").click()
        assert Path(png.value.path()).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    titles = page.evaluate("window.drawnTitles")
    assert [title for title, _ in titles] == [
        f"In flight vs in view, race #{a} vs #{b}",
        f"Request durations, race #{a} vs #{b}",
    ]
    for _, subtitle in titles:
        assert subtitle[0].startswith(f"#{a} async-sleep \N{MULTIPLICATION SIGN} 5, delay 0.2 s")
        assert subtitle[1].startswith(f"#{b} async-blocking \N{MULTIPLICATION SIGN} 5")
    # Drawn for the picture only: the page's charts have no title.
    assert page.evaluate(f"{LIVE}.options.plugins.title.display") is False
    assert console.problems() == []


def test_the_audiences_phone_shows_the_run_first(
    browser: Browser, console: Console, tmp_path: Path
) -> None:
    locked = start_server(tmp_path, env={"ASYNCVIEWS_DASHBOARD_TOKEN": TOKEN})
    context = browser.new_context(
        viewport=ViewportSize(width=390, height=844), is_mobile=True, has_touch=True
    )
    try:
        context.route(lambda url: not LOCAL.match(url), _cut_off)
        phone = context.new_page()
        phone.on("console", lambda message: console.messages.append(message))
        phone.on("pageerror", lambda error: console.page_errors.append(str(error)))
        run = launch_as_presenter(locked, "async-sleep", 20, 3)
        phone.goto(locked.url + "/")
        phone.wait_for_function("() => window.dashboard?.charts != null")
        shown_run(phone, run["id"])
        expect(phone.locator(CARD)).to_have_attribute("data-status", "running")
        screenshot(phone, "speaker-phone")

        # Nothing to scroll sideways; the gauges, then the run, then the charts.
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
        tops = [
            box["y"]
            for selector in [".gauges", CARD, ".live", ".durations"]
            if (box := phone.locator(selector).bounding_box()) is not None
        ]
        assert len(tops) == 4
        assert tops == sorted(tops)
        assert tops[1] < 844  # the run card starts on the first screen
        # The token form is the presenter's: behind a button in the header.
        token = phone.get_by_label("Presenter token")
        expect(token).to_be_hidden()
        expect(phone.locator(".controls")).to_be_hidden()
        phone.get_by_role("button", name="Presenter", exact=True).click()
        expect(token).to_be_visible()
        finish(locked.url, run["id"], deadline_s=30)
    finally:
        context.close()
        locked.stop()
    assert console.problems() == []


def launch_as_presenter(server: Server, scenario: str, n: int, delay: float) -> dict[str, Any]:
    """POST /runs/ with the dashboard's token, as the presenter's CLI does."""
    response = httpx.post(
        server.url + "/runs/",
        json={"scenario": scenario, "n": n, "delay": delay},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run
