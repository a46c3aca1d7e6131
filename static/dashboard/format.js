/* Small helpers shared by the dashboard's modules. Numbers look like the run card's template filters. */

export const seconds = (s) => (s == null ? "–" : `${s.toFixed(2)} s`);
export const shortNumber = (x) => String(Number(x.toFixed(2)));
// Nearest rank, as the server computes its percentiles (dashboard/runs/timing.py): null for none.
export const nearestRank = (sorted, q) =>
  sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : null;
export const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
export const cssVar = (name) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A lag in milliseconds as [number, unit]: "0.4" "ms" below 10 ms, "153" "ms", "1.3" "s" from 1 s. */
export function lagParts(lagMs) {
  if (lagMs >= 1000) return [(lagMs / 1000).toFixed(1), "s"];
  return [lagMs < 10 ? lagMs.toFixed(1) : String(Math.round(lagMs)), "ms"];
}
export const lagText = (lagMs) => lagParts(lagMs).join(" ");

/** A series key, "scenario@server", as its parts and as the charts' legends say it. */
export function splitKey(key) {
  const at = key.lastIndexOf("@");
  return at < 0 ? { scenario: key, server: "" } : { scenario: key.slice(0, at), server: key.slice(at + 1) };
}
export const keyLabel = (key) => key.replace("@", " @ ");
export const runKey = (run) => `${run.scenario}@${run.server}`;

/** A race's run named by what tells it from the other one: its scenario, its server, or both. */
export function raceName(key, otherKey) {
  if (!otherKey) return keyLabel(key);
  const [one, other] = [splitKey(key), splitKey(otherKey)];
  if (one.server === other.server) return one.scenario;
  return one.scenario === other.scenario ? one.server : keyLabel(key);
}

export function download(url, filename) {
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

/** A colour as #rrggbb from hue (degrees), saturation and lightness (percent). */
export function hslToHex(h, s, l) {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const channel = (n) => {
    const k = (n + h / 30) % 12;
    const value = l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
