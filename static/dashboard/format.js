/* Small helpers shared by the dashboard's modules. Numbers look like the run card's template filters. */

export const seconds = (s) => (s == null ? "–" : `${s.toFixed(2)} s`);
export const shortNumber = (x) => String(Number(x.toFixed(2)));
export const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
export const cssVar = (name) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function download(url, filename) {
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}
