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
