/* The presenter's keys: digits pick a scenario, s (shift+s) the next (previous) server, Enter
 * fires, r resets the charts, v and h show the tabs, t toggles the theme and ? opens the help.
 * Typing in a field is left alone.
 */
import { resetCharts } from "./api.js";
import { showScenario, showTab } from "./form.js";
import { cycleServer } from "./servers.js";
import { scenarios } from "./state.js";

const form = document.getElementById("fire-form");
const help = document.getElementById("help");
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

export function wireKeys() {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || help.open) return;
    const { target } = event;
    // A read-only viewer (form hidden) has nothing to fire; the token form submits itself.
    const firing = !form.hidden && !target.closest("button, a, summary, #presenter-form");
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
    else if (key === "t") window.toggleTheme();
    else if (key === "?") help.showModal();
    else return;
    event.preventDefault();
  });
  // The buttons that do what a key does, for those without a keyboard.
  document.getElementById("help-open").addEventListener("click", () => help.showModal());
  document.getElementById("reset-charts").addEventListener("click", resetCharts);
}
