/* The presenter's keys: digits pick a scenario, s (shift+s) the next (previous) server, Enter
 * fires, r resets the charts, v, h and l show the tabs, t toggles the theme and ? opens the help;
 * p opens the token form on a read-only page. Typing in a field is left alone.
 */
import { resetCharts } from "./api.js";
import { showScenario, showTab } from "./form.js";
import { cycleServer } from "./servers.js";
import { scenarios } from "./state.js";

const form = document.getElementById("fire-form");
const help = document.getElementById("help");
const unlock = document.getElementById("presenter");
const DIGITS_WITHIN_MS = 700;

// Digits typed in quick succession make one number: "1" then "2" picks scenario 12.
let typed = "";
let typedAt = 0;
function pickScenarioByKey(digit) {
  const now = performance.now();
  typed = now - typedAt < DIGITS_WITHIN_MS ? typed + digit : digit;
  typedAt = now;
  if (!scenarios[Number(typed) - 1]) typed = digit;
  const scenario = scenarios[Number(typed) - 1];
  if (!scenario) return;
  scenario.input.checked = true;
  scenario.input.focus();
  showScenario();
}

// Enter fires whatever has the focus (pick, N, Enter): a scenario, a preset just clicked, a
// field, the page. Only a button or link outside the form that was reached with the keyboard
// (Tab) keeps Enter for itself, as keyboard users expect; one clicked with the mouse does not.
// (:focus-visible cannot tell: a key pressed on a clicked button makes it match.)
const CONTROLS = "button, a, summary, [role='tab']";
let clicked = null;
function entersFire(target) {
  if (form.hidden) return false; // a read-only viewer has nothing to fire
  if (form.contains(target)) return true;
  const control = target.closest(CONTROLS);
  return !control || control === clicked;
}

export function wireKeys() {
  document.addEventListener("pointerdown", (event) => {
    clicked = event.target.closest?.(CONTROLS) ?? null;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab") clicked = null;
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (document.querySelector("dialog[open]")) return; // the help, or the token form
    const { target } = event;
    const firing = entersFire(target);
    if (event.key === "Enter") {
      if (!firing) return;
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (target.closest('input:not([type="radio"]), textarea, select, [contenteditable]')) return;
    const key = event.key.toLowerCase();
    if (/^[0-9]$/.test(key) && !form.hidden) pickScenarioByKey(key);
    else if (key === "s" && !form.hidden) cycleServer(event.shiftKey ? -1 : 1);
    else if (key === "r") resetCharts();
    else if (key === "v") showTab("tab-source");
    else if (key === "h") showTab("tab-runs");
    else if (key === "l") showTab("tab-timeline");
    else if (key === "t") window.toggleTheme();
    else if (key === "?") help.showModal();
    else if (key === "p" && unlock) unlock.showModal();
    else return;
    event.preventDefault();
  });
  // The buttons that do what a key does, for those without a keyboard.
  document.getElementById("help-open").addEventListener("click", () => help.showModal());
  document.getElementById("presenter-open")?.addEventListener("click", () => unlock.showModal());
  document.getElementById("reset-charts").addEventListener("click", resetCharts);
}
