/* The form and the tabs beside it: presets, the chosen scenario's explanation and code, the
 * tabs, messages (errors next to their field, announcements for screen readers) and the htmx
 * hooks that send the form and show what the server answered.
 */
import { scheduleRedraw } from "./schedule.js";
import { isRace, resetRace } from "./servers.js";
import { dirty, pickedScenario, state } from "./state.js";

const form = document.getElementById("fire-form");
const RACES_URL = document.getElementById("dashboard").dataset.racesUrl;
const nField = document.getElementById("field-n");
const versusField = document.getElementById("field-versus");

export function showPreset() {
  for (const button of form.querySelectorAll(".preset")) {
    button.setAttribute("aria-pressed", String(button.dataset.n === nField.value));
  }
}

// The code on screen is the code being hammered: the shown run's view and its rival's, however
// the run was fired (the form, the CLI, the API, before a reload). Picking a scenario in the form
// shows that one's instead, said to be picked, until a run is shown again.
export function showSources() {
  const runs = [state.current, state.rival?.id].map((id) => state.runs.get(id)).filter(Boolean);
  const fromRuns = runs.length > 0 && (state.sourceFrom === "run" || form.hidden);
  const captions = new Map();
  if (fromRuns) {
    for (const run of runs) {
      const ids = captions.get(run.scenario);
      captions.set(run.scenario, ids ? `runs ${ids.slice(4)} and #${run.id}` : `run #${run.id}`);
    }
  } else {
    captions.set(pickedScenario().slug, form.hidden ? "" : "picked, not fired yet");
    if (versusField.value) captions.set(versusField.value, "picked to race");
  }
  for (const figure of document.querySelectorAll("[data-source-for]")) {
    const caption = captions.get(figure.dataset.sourceFor);
    figure.hidden = caption == null;
    figure.querySelector("[data-source-of]").textContent = caption ?? "";
  }
  const ids = runs.map((run) => `#${run.id}`).join(" and ");
  tabHelp["tab-source"] = fromRuns ? `the code run ${ids} hammers` : "the code picked in the form";
  if (!document.getElementById("pane-source").hidden) {
    document.getElementById("help-tab").textContent = tabHelp["tab-source"];
  }
}

/** A run is shown: the source pane shows its code again. */
export function showRunSources() {
  state.sourceFrom = "run";
  showSources();
}

function showPickedSources() {
  state.sourceFrom = "form";
  showSources();
}

const tabHelp = {
  "tab-source": "the code picked in the form", // until a run is shown: showSources
  "tab-runs": "newest first; pick one to show it",
  "tab-timeline": "seconds after the run fired",
};
export function showTab(id) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.id === id;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  document.getElementById("help-tab").textContent = tabHelp[id];
}

export function showScenario() {
  showPickedSources();
  const scenario = pickedScenario();
  document.getElementById("scenario-explanation").replaceChildren(
    Object.assign(document.createElement("strong"), { textContent: scenario.label }),
    ` ${document.getElementById(`explain-${scenario.slug}`).textContent}`,
  );
  // With nothing running, the live chart shows the chosen scenario's (empty) lines.
  scheduleRedraw();
}

// Field names are unique on the page, so a message finds its field whichever form sent it.
function clearErrors() {
  for (const element of document.querySelectorAll("[data-error-for]")) element.textContent = "";
  for (const element of document.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
}

export function showError(field, message) {
  const slot =
    document.querySelector(`[data-error-for="${field}"]`) ??
    document.querySelector('[data-error-for="body"]');
  slot.textContent = message;
  const input = document.querySelector(`form [name="${field}"]:not([type="radio"])`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

export function announce(text) {
  document.getElementById("announce").textContent = text;
}

/** follow(id) shows a run in the card and the charts; it is passed in because api.js, where it
 * lives, imports showError from here. */
export function wireForm({ follow }) {
  form.addEventListener("click", (event) => {
    const preset = event.target.closest(".preset");
    if (!preset) return;
    nField.value = preset.dataset.n;
    showPreset();
  });
  nField.addEventListener("input", showPreset);
  form.addEventListener("change", (event) => {
    if (event.target.name === "scenario") showScenario();
    if (event.target.name === "versus") showPickedSources();
  });
  // A race goes to its own endpoint; the rest of the form is the same.
  let racing = false;
  document.body.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt !== form) return;
    racing = isRace();
    if (racing) event.detail.path = RACES_URL;
  });
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => showTab(tab.id));
  }
  document.body.addEventListener("htmx:beforeRequest", clearErrors);
  // htmx is told (base.html) not to treat 4xx and 5xx as its own errors: they are shown here.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const { xhr, elt } = event.detail;
    if (xhr.status < 400) {
      // The token is accepted: the cookie it set lets this page fire runs from now on.
      if (elt.id === "presenter-form") window.location.reload();
      return;
    }
    let body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch {
      // Not the API's JSON: a proxy or a crash answered.
    }
    if (body?.error) showError(body.field, body.error);
    else showError("body", `The server answered ${xhr.status} ${xhr.statusText}.`);
  });
  document.body.addEventListener("htmx:sendError", () => showError("body", "The server could not be reached."));
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "run-card") return;
    // A race is fired once: the next Fire is a single run unless a rival is picked again.
    if (racing) resetRace();
    const id = Number(document.getElementById("run-card").dataset.runId);
    if (id && id !== state.current) follow(id);
    dirty.card = state.runs.has(id);
    announce(`Run ${id} started`);
    scheduleRedraw();
  });
  // Before any run: the picked scenario's code, said to be picked (on a read-only page, not).
  showSources();
}
