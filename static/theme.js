/* Light and dark themes: the stored choice, else the system's, applied before the page paints. */
(function () {
  "use strict";
  const KEY = "asyncviews-theme";
  const root = document.documentElement;

  function stored() {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null;
    }
  }

  // The button says what it will do, as the page's other buttons do.
  function showOn(button) {
    if (button) button.textContent = root.dataset.theme === "dark" ? "Switch to light" : "Switch to dark";
  }

  function setTheme(theme) {
    root.dataset.theme = theme;
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // Private windows may refuse storage: the theme then lasts until reload.
    }
    showOn(document.getElementById("theme-toggle"));
    document.dispatchEvent(new CustomEvent("themechange", { detail: { theme } }));
  }

  root.dataset.theme =
    stored() || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  window.toggleTheme = () => setTheme(root.dataset.theme === "dark" ? "light" : "dark");

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("theme-toggle");
    showOn(button);
    button.addEventListener("click", window.toggleTheme);
  });
})();
