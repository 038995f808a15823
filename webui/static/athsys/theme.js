// Applies the signed-in user's choices before the page is drawn (no flash of the wrong
// theme): light or dark, and the menu shown or folded away. ui.js changes and keeps them,
// per user, in this browser.
(() => {
  const user = document.querySelector('meta[name="athsys-user"]')?.content || "anonymous";
  const root = document.documentElement;
  const theme = localStorage.getItem(`athsys-theme:${user}`);
  if (theme === "dark" || theme === "light") root.dataset.theme = theme;
  if (localStorage.getItem(`athsys-menu:${user}`) === "folded") root.dataset.menu = "folded";
})();
