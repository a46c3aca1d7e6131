"""The dashboard page in a real browser (Debian's Chromium), offline, against a real server."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import signal
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from asyncviews.scenarios import SCENARIOS
from dashboard.servers.registry import SERVERS
from dashboard.web.views import choice_label
from harness.browser import ROOT, Console, offline_page, screenshot
from harness.server import Server, child_pids, start_server

RUN_TIMEOUT_MS = 30_000
ASYNC_SLEEP = SCENARIOS["async-sleep"].label
SYNC_SLEEP = SCENARIOS["sync-sleep"].label
ASYNC_BLOCKING = SCENARIOS["async-blocking"].label
WALL = re.compile(r"^(\d+\.\d\d) s$")


def gauge(name: str) -> str:
    """A JS expression: the number a gauge shows."""
    return f"Number(document.querySelector('#gauge-{name} output').textContent)"


# Every 50 ms, what the page shows: the run card, the gauges and the worker strip. Sampled in
# the page while runs go, so that what was on screen mid-run is checked, not only the end.
SAMPLER = """() => {
    const text = (selector) => document.querySelector(selector)?.textContent ?? "";
    window.samples = [];
    setInterval(() => {
        const card = document.getElementById("run-card");
        const lag = text("#gauge-loop-lag output");
        window.samples.push({
            run: card.dataset.runId,
            status: card.dataset.status,
            done: text('#run-card [data-field="done"]'),
            inView: text("#gauge-in-view output"),
            lag,
            lagMs: text("#gauge-loop-lag .unit") === "s" ? Number(lag) * 1000 : Number(lag),
            lagHelp: text("#help-loop-lag"),
            cells: document.querySelectorAll("#worker-cells li").length,
            serverStatus: text("#server-status"),
        });
    }, 50);
}"""


def start_sampling(page: Page) -> None:
    page.evaluate(SAMPLER)


def samples_while_running(page: Page, run_id: int) -> list[dict[str, Any]]:
    """The samples taken while the card showed run_id running."""
    samples: list[dict[str, Any]] = page.evaluate("window.samples")
    return [s for s in samples if s["run"] == str(run_id) and s["status"] == "running"]


def card_wall(page: Page) -> float:
    """The finished run's wall time, as the card shows it."""
    found = WALL.match(page.locator('#run-card [data-field="wall"]').inner_text())
    assert found is not None
    return float(found.group(1))


def wait_for_duration_points(page: Page, n: int) -> None:
    """Until the durations chart shows n requests."""
    page.wait_for_function(
        f"() => window.dashboard.charts.durations.data.datasets[0].data.length === {n}"
    )


def pick_server(page: Page, slug: str) -> None:
    page.get_by_role("radio", name=slug, exact=True).check()
    expect(page.get_by_role("radio", name=slug, exact=True)).to_be_checked()


def fire(page: Page, scenario: str, n: int, delay: float, endpoint: str = "/runs/") -> int:
    """Fill the form, press Fire and return the id of the run whose card htmx swaps in."""
    page.get_by_role("radio", name=scenario, exact=True).check()
    page.get_by_label("N, concurrent calls", exact=True).fill(str(n))
    page.get_by_label("Delay per call (s)", exact=True).fill(str(delay))
    # Starting a server for the run takes a few seconds before the answer comes.
    with page.expect_response(
        lambda r: r.url.endswith(endpoint) and r.request.method == "POST", timeout=RUN_TIMEOUT_MS
    ) as answer:
        page.get_by_role("button", name="Fire", exact=True).click()
    assert answer.value.status == 201
    found = re.search(r'data-run-id="(\d+)"', answer.value.text())
    assert found is not None
    run_id = int(found.group(1))
    expect(page.locator("#run-card")).to_have_attribute("data-run-id", str(run_id))
    return run_id


def show_runs(page: Page) -> None:
    """The run history shares its panel with the view's source: open its tab."""
    page.get_by_role("tab", name="Runs", exact=True).click()
    expect(page.get_by_role("tab", name="Runs", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )


def wait_until_finished(page: Page) -> None:
    card = page.locator("#run-card")
    expect(card).to_have_attribute("data-status", "finished", timeout=RUN_TIMEOUT_MS)
    expect(card.locator('[data-field="wall"]')).to_have_text(WALL)


def test_chartjs_from_the_cdn_is_pinned_to_the_local_copy(site: Server) -> None:
    answer = httpx.get(site.url + "/")
    pin = dict(re.findall(r'data-chartjs-(\w+)="([^"]*)"', answer.text))
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/chart.js"]["version"]
    local = httpx.get(site.url + pin["local"])
    digest = base64.b64encode(hashlib.sha384(local.content).digest()).decode()

    assert pin["cdn"] == f"https://cdn.jsdelivr.net/npm/chart.js@{version}/dist/chart.umd.min.js"
    assert local.status_code == 200
    assert pin["integrity"] == f"sha384-{digest}"
    assert pin["cdn"] in answer.headers["content-security-policy"]


def test_htmx_posts_get_the_run_card_partial(site: Server) -> None:
    with httpx.Client(base_url=site.url) as client:
        page = client.get("/")
        found = re.search(r'"X-CSRFToken": "([^"]+)"', page.text)
        assert found is not None
        answer = client.post(
            "/runs/",
            data={"scenario": "async-sleep", "n": "3", "delay": "0"},
            headers={"X-CSRFToken": found.group(1), "HX-Request": "true"},
        )

    assert answer.status_code == 201
    assert answer.text.lstrip().startswith('<section class="panel run-card" id="run-card"')
    assert 'data-status="running"' in answer.text
    # The label without its kind, which the badge beside it shows; in full in its title.
    assert f'title="{ASYNC_SLEEP}">{choice_label(ASYNC_SLEEP)[1]}</span>' in answer.text
    assert "\N{MULTIPLICATION SIGN} 3, delay 0 s" in answer.text
    assert ">on uvicorn</span>" in answer.text


def test_async_sleep_x100_fills_the_views_and_finishes(page: Page, console: Console) -> None:
    run_id = fire(page, ASYNC_SLEEP, 100, 1)

    page.wait_for_function(f"() => {gauge('in-view')} > 50", timeout=RUN_TIMEOUT_MS)
    page.wait_for_function(f"() => {gauge('in-view')} === 0", timeout=RUN_TIMEOUT_MS)
    wait_until_finished(page)
    expect(page.locator('#run-card [data-field="done"]')).to_have_text("100 of 100 done")
    expect(page.locator('#run-card [data-field="well"]')).to_have_text("1.00 s")
    # Written well: nothing else to say about what it could do as written.
    expect(page.locator('#run-card [data-field="as-written"]')).to_be_empty()
    expect(page.locator('#run-card [data-field="ratio"]')).to_have_text(
        re.compile("^\N{MULTIPLICATION SIGN} 1\\.\\d\\d$")
    )
    show_runs(page)
    expect(page.get_by_role("button", name=f"Show run {run_id}", exact=True)).to_be_visible()
    wait_for_duration_points(page, 100)
    assert page.evaluate("window.dashboard.state.chartSource") == "local"
    # A frame holds the most seen in its 100 ms: the one after the end can still count some.
    page.wait_for_function(f"() => {gauge('in-flight')} === 0")
    screenshot(page, "dashboard-light")
    redraws = page.evaluate("window.dashboard.state.cost.redraws")
    # The theme button says what it will do, before and after.
    page.get_by_role("button", name="Switch to dark", exact=True).click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Switch to light", exact=True)).to_be_visible()
    page.wait_for_function(f"() => window.dashboard.state.cost.redraws > {redraws}")
    screenshot(page, "dashboard-dark")
    assert console.problems() == []


def test_sync_sleep_x20_fired_from_the_keyboard(page: Page, console: Console) -> None:
    page.locator("body").press("1")
    expect(page.get_by_role("radio", name=SYNC_SLEEP, exact=True)).to_be_checked()
    n_field = page.get_by_label("N, concurrent calls", exact=True)
    n_field.fill("20")
    with page.expect_response(lambda r: r.url.endswith("/runs/")) as answer:
        n_field.press("Enter")
    assert answer.value.status == 201

    wait_until_finished(page)
    card = page.locator("#run-card")
    expect(card.locator('[data-field="scenario"]')).to_have_text(choice_label(SYNC_SLEEP)[1])
    expect(card.locator('[data-field="scenario"]')).to_have_attribute("title", SYNC_SLEEP)
    expect(card.locator('[data-field="done"]')).to_have_text("20 of 20 done")
    # Under uvicorn every sync request gets its own thread, so all 20 sleep at once.
    assert int(card.locator('[data-field="peak-in-view"]').inner_text()) == 20
    assert int(card.locator('[data-field="peak-threads"]').inner_text()) > 20
    assert console.problems() == []


def test_invalid_fields_show_the_servers_message_next_to_them(
    page: Page, console: Console, site: Server
) -> None:
    card_before = page.locator("#run-card").get_attribute("data-run-id")
    n_field = page.get_by_label("N, concurrent calls", exact=True)
    n_field.fill("0")
    page.get_by_role("button", name="Fire", exact=True).click()

    expect(page.locator("#error-n")).to_have_text(
        re.compile(r"^n must be a whole number from 1 to \d+, got '0'$")
    )
    expect(n_field).to_have_attribute("aria-invalid", "true")
    expect(n_field).to_be_focused()

    n_field.fill("5")
    page.get_by_label("Delay per call (s)", exact=True).fill("11")
    page.get_by_role("button", name="Fire", exact=True).click()

    expect(page.locator("#error-delay")).to_have_text(
        "delay must be a number of seconds from 0 to 10, got '11'"
    )
    expect(page.locator("#error-n")).to_be_empty()

    page.get_by_label("Delay per call (s)", exact=True).fill("0")
    pick_server(page, "gunicorn-sync")
    workers = page.get_by_label("workers", exact=True)
    workers.fill("99")
    page.get_by_role("button", name="Fire", exact=True).click()

    expect(page.locator("#error-workers")).to_have_text(
        "workers must be a whole number from 1 to 8, got '99'"
    )
    expect(workers).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-delay")).to_be_empty()
    expect(page.locator("#run-card")).to_have_attribute("data-run-id", card_before or "")
    # Chromium logs every 4xx answer; these three are the ones the test asked for.
    rejected = ("Failed to load resource: the server responded with a status of 400 (Bad Request)",)
    logged = [m for m in console.messages if m.location.get("url") == site.url + "/runs/"]
    assert [m.text for m in logged] == list(rejected * 3)
    assert console.problems(also_expected=((rejected[0], site.url + "/runs/"),)) == []


def test_a_reload_mid_run_resumes_the_charts_with_their_history(
    page: Page, console: Console
) -> None:
    run_id = fire(page, ASYNC_SLEEP, 50, 4)
    page.wait_for_function(f"() => {gauge('in-view')} === 50", timeout=RUN_TIMEOUT_MS)
    before = page.evaluate("window.dashboard.state.frames.at(-1).t")

    page.reload()
    page.wait_for_function("() => window.dashboard?.charts != null")

    # The history the stream replays holds the frames from before the reload.
    page.wait_for_function(
        f"""() => {{
            const {{ charts, state }} = window.dashboard;
            const shown = charts.live.data.datasets.map((d) => d.label);
            return shown.includes("#{run_id} async-sleep @ uvicorn in view")
                && state.frames.some(
                    (f) => f.t <= {before} && f.in_view["async-sleep@uvicorn"] === 50
                );
        }}"""
    )
    card = page.locator("#run-card")
    expect(card).to_have_attribute("data-run-id", str(run_id))
    expect(card).to_have_attribute("data-status", "running")
    wait_until_finished(page)
    wait_for_duration_points(page, 50)
    assert console.problems() == []


def test_picking_a_run_redraws_its_charts(page: Page, console: Console) -> None:
    first = fire(page, ASYNC_SLEEP, 10, 0.2)
    wait_until_finished(page)
    second = fire(page, ASYNC_SLEEP, 5, 0.2)
    wait_until_finished(page)
    wait_for_duration_points(page, 5)

    show_runs(page)
    page.get_by_role("button", name=f"Show run {first}", exact=True).click()

    card = page.locator("#run-card")
    expect(card).to_have_attribute("data-run-id", str(first))
    expect(card.locator('[data-field="done"]')).to_have_text("10 of 10 done")
    wait_for_duration_points(page, 10)
    # The live chart shows the picked run from the instant it fired, and offers the last 30 s.
    live = "window.dashboard.charts.live"
    expect(page.locator("#chart-live")).to_be_visible()
    page.wait_for_function(
        f"() => {live}.options.scales.x.title.text"
        f' === "seconds after run #{first} fired · each request\'s own times"'
    )
    assert page.evaluate(f"{live}.options.scales.x.min") < 0
    rolling = page.get_by_role("button", name="Show the last 30 s of every server", exact=True)
    rolling.click()
    page.wait_for_function(f"() => {live}.options.scales.x.max === 0")
    expect(page.get_by_role("button", name=f"Show run {first} from fire to end")).to_be_visible()

    # Without its frames (reset here), a picked run is drawn from its requests' own times.
    page.get_by_role("button", name="Reset charts", exact=True).click()
    page.get_by_role("button", name=f"Show run {second}", exact=True).click()
    page.wait_for_function(
        f"() => {live}.options.scales.y.title.text === 'requests (shaded: the queue)'"
        f" && {live}.options.scales.x.title.text"
        f' === "seconds after run #{second} fired · each request\'s own times"'
    )
    in_flight, in_view = page.evaluate(f"{live}.data.datasets.map((d) => d.data)")
    assert max(point["y"] for point in in_flight) == 5
    assert 1 <= max(point["y"] for point in in_view) <= 5
    assert all(v["y"] <= f["y"] for f, v in zip(in_flight, in_view, strict=True))
    assert in_flight[-1]["y"] == in_view[-1]["y"] == 0
    assert console.problems() == []


def test_exports_download_the_run_and_the_charts(page: Page, console: Console) -> None:
    run_id = fire(page, ASYNC_SLEEP, 10, 0.1)
    wait_until_finished(page)

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download run as CSV", exact=True).click()
    lines = Path(csv_download.value.path()).read_text().splitlines()
    with page.expect_download() as json_download:
        page.get_by_role("button", name="Download run as JSON", exact=True).click()
    run = json.loads(Path(json_download.value.path()).read_text())
    pngs = []
    for chart in ["in flight vs in view", "request durations"]:
        with page.expect_download() as png_download:
            page.get_by_role("button", name=f"Download the {chart} chart as PNG").click()
        pngs.append(Path(png_download.value.path()).read_bytes())

    assert lines[0] == (
        "run,scenario,server,request,sent_s,answered_s,duration_s,http_status,error_kind"
    )
    assert len(lines) == 11
    rows = [line.split(",") for line in lines[1:]]
    assert all(row[:3] == [str(run_id), "async-sleep", "uvicorn"] for row in rows)
    assert [int(row[3]) for row in rows] == list(range(10))
    assert all(row[7:] == ["200", ""] for row in rows)
    assert all(
        float(answered) - float(sent) == pytest.approx(float(duration), abs=1e-5)
        for *_, sent, answered, duration, _, _ in rows
    )
    assert csv_download.value.suggested_filename == (
        f"asyncviews-run-{run_id}-async-sleep-uvicorn.csv"
    )
    assert run["id"] == run_id
    assert run["server"] == "uvicorn"
    assert len(run["timings"]) == 10
    assert all(len(timing) == 5 for timing in run["timings"])
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs)
    assert console.problems() == []


def test_presets_and_buttons(page: Page, console: Console, site: Server) -> None:
    n_field = page.get_by_label("N, concurrent calls", exact=True)
    for preset in ["1", "10", "50", "100", "500", "1000"]:
        button = page.get_by_role("button", name=f"N = {preset}", exact=True)
        button.click()
        expect(n_field).to_have_value(preset)
        expect(button).to_have_attribute("aria-pressed", "true")
    n_field.fill("7")
    expect(page.locator('.preset[aria-pressed="true"]')).to_have_count(0)

    page.wait_for_function("() => window.dashboard.state.frames.length > 20")
    page.get_by_role("button", name="Reset charts", exact=True).click()
    assert page.evaluate("window.dashboard.state.frames.length") < 20

    page.get_by_role("button", name="Help and keys", exact=True).click()
    help_dialog = page.get_by_role("dialog", name="What the numbers mean")
    expect(help_dialog).to_be_visible()
    # The views are called on the subject, not on the dashboard.
    api_link = help_dialog.get_by_role("link", name="/api/", exact=True)
    expect(api_link).to_have_attribute("href", site.subject_url + "/api/")
    expect(help_dialog.locator(".keys")).to_contain_text("S picks the next server")
    for server in SERVERS.values():
        expect(help_dialog).to_contain_text(server.explanation)
    help_dialog.get_by_role("button", name="Close", exact=True).click()
    expect(help_dialog).to_be_hidden()
    assert console.problems() == []


def test_presenter_keys(page: Page, console: Console) -> None:
    body = page.locator("body")
    body.press("2")
    expect(page.get_by_role("radio", name=ASYNC_SLEEP, exact=True)).to_be_checked()
    expect(page.locator("#scenario-explanation")).to_contain_text(
        SCENARIOS["async-sleep"].explanation
    )
    if len(SCENARIOS) >= 12:
        page.keyboard.press("1")
        page.keyboard.press("2")
        twelfth = list(SCENARIOS.values())[11].label
        expect(page.get_by_role("radio", name=twelfth, exact=True)).to_be_checked()

    servers = list(SERVERS)
    uvicorn = page.get_by_role("radio", name=servers[0], exact=True)
    expect(uvicorn).to_be_checked()
    expect(uvicorn).to_have_attribute("aria-keyshortcuts", "S Shift+S")
    page.keyboard.press("s")
    expect(page.get_by_role("radio", name=servers[1], exact=True)).to_be_checked()
    expect(page.locator("#server-label")).to_have_text(SERVERS[servers[1]].label)
    page.keyboard.press("Shift+S")
    expect(uvicorn).to_be_checked()
    page.keyboard.press("Shift+S")
    expect(page.get_by_role("radio", name=servers[-1], exact=True)).to_be_checked()
    page.keyboard.press("s")
    expect(uvicorn).to_be_checked()

    page.wait_for_function("() => window.dashboard.state.frames.length > 20")
    page.keyboard.press("r")
    assert page.evaluate("window.dashboard.state.frames.length") < 20

    theme = page.locator("html").get_attribute("data-theme")
    page.keyboard.press("t")
    expect(page.locator("html")).not_to_have_attribute("data-theme", theme or "")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="What the numbers mean")
    expect(help_dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert console.problems() == []


def test_a_locked_dashboard_asks_for_the_presenter_token(
    browser: Browser, console: Console, tmp_path: Path
) -> None:
    locked = start_server(tmp_path, env={"ASYNCVIEWS_DASHBOARD_TOKEN": "open sesame"})
    try:
        with offline_page(browser, console) as page:
            page.goto(locked.url + "/")
            token = page.get_by_label("Presenter token")
            expect(page.get_by_role("button", name="Fire", exact=True)).to_be_hidden()
            # The token form is the presenter's: behind a button in the header, not on the page.
            expect(token).to_be_hidden()
            page.get_by_role("button", name="Presenter", exact=True).click()
            token.fill("open says me")
            page.get_by_role("button", name="Unlock", exact=True).click()
            expect(page.locator("#error-token")).to_have_text("that is not the dashboard token")
            expect(token).to_have_attribute("aria-invalid", "true")

            token.fill("open sesame")
            with page.expect_navigation():
                token.press("Enter")
            expect(page.get_by_label("Presenter token")).to_have_count(0)
            page.wait_for_function("() => window.dashboard?.charts != null")
            fire(page, ASYNC_SLEEP, 2, 0)
            wait_until_finished(page)
    finally:
        locked.stop()

    forbidden = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    refused = ((forbidden, locked.url + "/presenter/"),)
    assert console.problems(also_expected=refused) == []


def test_the_chosen_views_source_is_shown_beside_the_charts(page: Page, console: Console) -> None:
    sources = page.get_by_role("tabpanel", name="View source")
    expect(sources).to_be_visible()

    page.get_by_role("radio", name=SCENARIOS["async-blocking"].label, exact=True).check()

    shown = sources.locator("figure:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text("async def async_blocking(request")
    expect(shown).to_contain_text("time.sleep(delay)")
    page.get_by_label("Race against", exact=True).select_option("async-sleep")
    expect(shown).to_have_count(2)
    expect(shown.filter(has_text="async def async_sleep(")).to_contain_text("await asyncio.sleep")
    page.keyboard.press("h")
    expect(page.get_by_role("tabpanel", name="Runs")).to_be_visible()
    expect(sources).to_be_hidden()
    page.keyboard.press("v")
    expect(sources).to_be_visible()
    assert console.problems() == []


def test_a_race_draws_both_runs_and_says_which_finished_first(page: Page, console: Console) -> None:
    gather, sequential = SCENARIOS["async-gather"], SCENARIOS["sync-sequential"]
    page.get_by_role("radio", name=gather.label, exact=True).check()
    page.get_by_label("N, concurrent calls", exact=True).fill("10")
    page.get_by_label("Delay per call (s)", exact=True).fill("0.3")
    page.get_by_label("Race against", exact=True).select_option(sequential.slug)
    with page.expect_response(
        lambda r: r.url.endswith("/races/") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="Fire", exact=True).click()
    assert answer.value.status == 201

    race = page.locator('#run-card [data-field="race"]')
    expect(race).to_have_text(
        re.compile(r"^async-gather first by \d\.\d\d s: \d\.\d\d vs \d\.\d\d s$"),
        timeout=RUN_TIMEOUT_MS,
    )
    expect(page.locator("#run-card")).to_have_attribute("data-status", "finished")
    page.wait_for_function(
        """() => {
            const { durations, live } = window.dashboard.charts;
            const points = (name) =>
                durations.data.datasets.find((d) => d.label.endsWith(` ${name}`))?.data;
            return points("async-gather")?.length === 10 && points("sync-sequential")?.length === 10
                && live.$markerLabels?.length === 3;
        }"""
    )
    labels = page.evaluate("window.dashboard.charts.live.data.datasets.map((d) => d.label)")
    # Both runs of the race, and nothing else: one start marker (they fired together), two ends.
    assert len(labels) == 4
    assert {label.split(" ", 1)[1] for label in labels if label.endswith(" in view")} == {
        "async-gather in view",
        "sync-sequential in view",
    }
    assert console.problems() == []


def test_the_server_picker_shows_what_each_server_allows(page: Page, console: Console) -> None:
    workers = page.get_by_label("workers", exact=True)
    threads = page.get_by_label("threads", exact=True)
    on_server = page.get_by_label("on server", exact=True)
    versus = page.get_by_label("Race against", exact=True)
    expect(versus.locator("option").first).to_have_text("nobody")

    for server in SERVERS.values():
        pick_server(page, server.slug)
        choice = page.locator(
            "label.chip", has=page.get_by_role("radio", name=server.slug, exact=True)
        )
        expect(choice).to_have_attribute("title", f"{server.label}: {server.explanation}")
        expect(page.locator("#server-label")).to_have_text(server.label)
        for field, (default, most) in ((workers, server.workers), (threads, server.threads)):
            if most > 1:
                expect(field).to_be_visible()
                expect(field).to_have_value(str(default))
                expect(field).to_have_attribute("max", str(most))
            else:
                # Hidden and disabled: the form sends nothing the server would refuse.
                expect(field).to_be_hidden()
                expect(field).to_be_disabled()

    # A race of one scenario on two servers: the scenario select says so.
    on_server.select_option("gunicorn-sync")
    expect(versus.locator("option").first).to_have_text("same scenario")
    on_server.select_option("")
    expect(versus.locator("option").first).to_have_text("nobody")
    assert console.problems() == []


def test_async_sleep_x50_on_uvicorn_then_on_gunicorn_sync_with_4_workers(
    page: Page, console: Console, site: Server
) -> None:
    card = page.locator("#run-card")
    fire(page, ASYNC_SLEEP, 50, 0.2)
    wait_until_finished(page)
    expect(card.locator('[data-field="server"]')).to_have_text("on uvicorn, one process")
    expect(card.locator('[data-field="peak-in-view"]')).to_have_text("50")
    uvicorn_wall = card_wall(page)
    screenshot(page, "async-sleep-x50-uvicorn")

    pick_server(page, "gunicorn-sync")
    expect(page.get_by_label("threads", exact=True)).to_be_hidden()
    page.get_by_label("workers", exact=True).fill("4")
    state = site.servers()["gunicorn-sync"]["state"]
    was_ready = state is not None and state["state"] == "ready" and state["workers"] == 4
    start_sampling(page)
    run_id = fire(page, ASYNC_SLEEP, 50, 0.2)

    # While it runs: a cell per worker, and no event loop to measure.
    page.wait_for_function(
        f"""() => window.samples.some((s) => s.run === "{run_id}" && s.status === "running"
            && s.cells === 4)""",
        timeout=RUN_TIMEOUT_MS,
    )
    expect(page.locator("#gauge-loop-lag output")).to_have_text("no event loop")
    expect(page.locator("#server-status")).to_have_text("gunicorn-sync ready, 4 workers")
    screenshot(page, "async-sleep-x50-gunicorn-sync-running")
    wait_until_finished(page)
    expect(card).to_have_attribute("data-run-id", str(run_id))
    expect(card.locator('[data-field="server"]')).to_have_text("on gunicorn-sync, 4 workers")
    expect(card.locator('[data-field="peak-lag"]')).to_have_text("no loop")
    screenshot(page, "async-sleep-x50-gunicorn-sync")

    # Four sync workers serve four requests at a time: 50 calls take 13 rounds of the delay.
    wall = card_wall(page)
    assert wall >= math.ceil(50 / 4) * 0.2
    assert uvicorn_wall < wall
    running = samples_while_running(page, run_id)
    assert max(int(s["inView"]) for s in running) <= 4
    expect(card.locator('[data-field="peak-in-view"]')).to_have_text("4")
    if not was_ready:
        statuses = [s["serverStatus"] for s in page.evaluate("window.samples")]
        assert "starting gunicorn-sync, 4 workers\N{HORIZONTAL ELLIPSIS}" in statuses
    show_runs(page)
    row = page.locator(f'#history-rows tr[data-run-id="{run_id}"]')
    expect(row.locator(".history-server")).to_have_text("gunicorn-sync")
    assert console.problems() == []


def test_a_race_of_one_scenario_on_two_servers_draws_both(page: Page, console: Console) -> None:
    page.get_by_label("on server", exact=True).select_option("gunicorn-sync")
    fire(page, ASYNC_SLEEP, 20, 0.2, endpoint="/races/")

    race = page.locator('#run-card [data-field="race"]')
    expect(race).to_have_text(
        re.compile(r"^uvicorn first by \d+\.\d\d s: \d+\.\d\d vs (\d+\.\d\d) s$"),
        timeout=RUN_TIMEOUT_MS,
    )
    found = re.search(r"vs (\d+\.\d\d) s$", race.inner_text())
    assert found is not None
    # The slower run is gunicorn-sync's: 4 workers, so 20 calls take 5 rounds of the delay.
    assert float(found.group(1)) >= math.ceil(20 / 4) * 0.2
    expect(page.locator('#run-card [data-field="server"]')).to_have_text("on uvicorn, one process")
    page.wait_for_function(
        """() => {
            const { durations, live } = window.dashboard.charts;
            const points = (name) =>
                durations.data.datasets.find((d) => d.label.endsWith(` ${name}`))?.data;
            return points("uvicorn")?.length === 20 && points("gunicorn-sync")?.length === 20
                && live.$markerLabels?.length === 3;
        }"""
    )
    series = page.evaluate(
        """() => window.dashboard.charts.live.data.datasets.map((d) => ({
            label: d.label.split(" ").slice(1).join(" "),
            color: d.borderColor,
            most: Math.max(0, ...d.data.map((p) => p.y)),
        }))"""
    )
    drawn = {s["label"]: s for s in series}
    uvicorn, gunicorn = (drawn["uvicorn in view"], drawn["gunicorn-sync in view"])
    assert uvicorn["most"] == 20
    assert 1 <= gunicorn["most"] <= 4
    # One scenario, one hue; the second server in a tone of its own.
    assert uvicorn["color"] != gunicorn["color"]
    legend = page.evaluate(
        "window.dashboard.charts.live.legend.legendItems.map((item) => item.text.split(' ')[1])"
    )
    assert legend == ["uvicorn", "gunicorn-sync"]
    screenshot(page, "race-async-sleep-uvicorn-vs-gunicorn-sync")
    assert console.problems() == []


def test_a_blocked_loop_shows_live_while_the_run_goes(
    page: Page, console: Console, site: Server
) -> None:
    start_sampling(page)
    run_id = fire(page, ASYNC_BLOCKING, 10, 0.2)

    blocked = f"""() => window.samples.some((s) => s.run === "{run_id}" && s.status === "running"
        && s.lagMs > 150)"""
    page.wait_for_function(blocked, timeout=RUN_TIMEOUT_MS)
    screenshot(page, "async-blocking-x10-blocked")
    wait_until_finished(page)

    running = samples_while_running(page, run_id)
    # One view at a time: the blocking sleep holds the loop that would start the next one.
    assert max(int(s["inView"]) for s in running) == 1
    before_the_end = [s for s in running if s["lagMs"] > 150 and not s["done"].startswith("10 of")]
    assert before_the_end
    assert all(s["inView"] == "1" for s in before_the_end)
    assert any(s["lagHelp"].startswith("blocked ") for s in before_the_end)
    # The lag grows while the loop is held, frame after frame, instead of showing once at the
    # end. The page is sampled twice per frame: each frame's value once.
    lags = [s["lagMs"] for s in before_the_end]
    shown = [lag for i, lag in enumerate(lags) if i == 0 or lag != lags[i - 1]]
    assert any(a < b < c for a, b, c in zip(shown, shown[1:], shown[2:], strict=False)), shown
    peak = page.locator('#run-card [data-field="peak-lag"]').inner_text()
    assert re.fullmatch(r"\d+ ms|\d+\.\d s", peak)

    # Ended, the run is drawn from its requests' own times: in view never above in flight, each
    # line falling when the last view left and the last answer came, not a frame or two later.
    live = "window.dashboard.charts.live"
    page.wait_for_function(
        f'() => {live}.options.scales.x.title.text.endsWith("each request\'s own times")'
    )
    in_flight, in_view = page.evaluate(f"{live}.data.datasets.map((d) => d.data)")
    assert [p["x"] for p in in_flight] == [p["x"] for p in in_view]
    assert all(v["y"] <= f["y"] for f, v in zip(in_flight, in_view, strict=True))
    assert (max(p["y"] for p in in_flight), max(p["y"] for p in in_view)) == (10, 1)
    run = httpx.get(f"{site.url}/runs/{run_id}/").json()
    assert last_fall(in_view) == pytest.approx(max(left for _, _, left, _, _ in run["spans"]))
    assert last_fall(in_flight) == pytest.approx(max(t[2] for t in run["timings"]))
    assert console.problems() == []


def last_fall(points: list[dict[str, float]]) -> float:
    """Where a drawn count last fell to 0."""
    return max(b["x"] for a, b in pairwise(points) if a["y"] > 0 and b["y"] == 0)


def test_missing_server_telemetry_is_said_not_hidden(
    page: Page, console: Console, site: Server
) -> None:
    run_id = fire(page, ASYNC_SLEEP, 10, 3)
    page.wait_for_function(f"() => {gauge('in-view')} === 10", timeout=RUN_TIMEOUT_MS)
    missing = page.locator("#telemetry-missing")
    expect(missing).to_be_hidden()

    # The dashboard starts its Redis again at once; the probes' reports miss the gap.
    [redis] = child_pids(site.process.pid, running="redis-server")
    os.kill(redis, signal.SIGKILL)
    page.wait_for_function("() => !document.getElementById('telemetry-missing').hidden")
    expect(missing).to_have_text("server telemetry missing")
    expect(page.locator("#gauge-in-view output")).to_have_text("\N{EN DASH}")
    screenshot(page, "telemetry-missing")

    wait_until_finished(page)
    expect(page.locator("#run-card")).to_have_attribute("data-run-id", str(run_id))
    expect(page.locator('#run-card [data-field="telemetry"]')).to_have_text(
        re.compile(r"^server telemetry missing for \d+\.\d s")
    )
    expect(missing).to_be_hidden(timeout=RUN_TIMEOUT_MS)
    assert console.problems() == []
