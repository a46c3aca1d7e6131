/* The form's server picker: which server a run goes to, with its workers and threads where the
 * server has more than one, and the race's second server ("on"). Each server's label shows
 * under the choices; its explanation is in the choice's title and in the help dialog.
 */
import { scheduleRedraw } from "./schedule.js";
import { pickedServer, serverBySlug, servers, state } from "./state.js";

const versusField = document.getElementById("field-versus");
const versusServerField = document.getElementById("field-versus-server");
// What the presenter set per server, kept while they look at another one.
const chosen = new Map();

function showBound(name, server) {
  const [byDefault, most] = server[name];
  const input = document.getElementById(`field-${name}`);
  const key = `${server.slug}.${name}`;
  input.max = most;
  input.value = chosen.get(key) ?? byDefault;
  // Hidden and disabled where the server has only one: the form then sends nothing for it.
  input.disabled = most <= 1;
  document.getElementById(`shape-${name}`).hidden = most <= 1;
  input.onchange = () => chosen.set(key, input.value);
}

/** Show the picked server's label and its workers and threads fields. */
export function showServer() {
  const server = serverBySlug.get(pickedServer());
  document.getElementById("server-label").textContent = server.label;
  showBound("workers", server);
  showBound("threads", server);
  // The status line tells about the newly picked server, not the last one announced.
  state.serverNote = null;
  describeRace();
  scheduleRedraw();
}

/** Pick the next server in the registry's order (step -1: the previous one). */
export function cycleServer(step = 1) {
  const index = servers.findIndex((s) => s.input.checked);
  const next = servers[(index + step + servers.length) % servers.length];
  next.input.checked = true;
  next.input.focus();
  showServer();
}

// "Race against" reads "nobody" for a single run, "the same scenario" when the race is one
// scenario on two servers; "same server" says which one in its title.
function describeRace() {
  const alone = versusField.options[0];
  alone.textContent = versusServerField.value ? alone.dataset.same : alone.dataset.alone;
  versusServerField.options[0].title = `the same server: ${pickedServer()}`;
}

export const isRace = () => Boolean(versusField.value || versusServerField.value);

/** Back to a single run: "Race against" nobody, on the same server. */
export function resetRace() {
  versusField.value = "";
  versusServerField.value = "";
  describeRace();
}

export function wireServers() {
  for (const server of servers) server.input.addEventListener("change", showServer);
  versusServerField.addEventListener("change", describeRace);
  showServer();
}
