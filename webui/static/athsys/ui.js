// What every page of the web UI shares: the light/dark theme and the folded menu (kept per
// user in this browser, applied early by theme.js), and the keyboard shortcuts' help ("?").
// A console lists its own shortcuts in data-shortcuts on its root ("key: what it does; ...").

import { el } from "./dom.js";

const root = document.documentElement;
const user = document.querySelector('meta[name="athsys-user"]')?.content || "anonymous";
const remember = (what, value) => localStorage.setItem(`athsys-${what}:${user}`, value);

function themeButton() {
  const button = el("button", { type: "button", class: "btn btn-default navbar-btn athsys-theme",
                                id: "athsys-theme" });
  const show = () => {
    const dark = root.dataset.theme === "dark";
    const label = dark ? "Use the light theme" : "Use the dark theme";
    button.textContent = dark ? "☀" : "☾";
    button.setAttribute("aria-pressed", String(dark));
    button.setAttribute("aria-label", label);
    button.title = label;
  };
  button.addEventListener("click", () => {
    root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
    remember("theme", root.dataset.theme);
    show();
  });
  show();
  return button;
}

function menuButtons() {
  const fold = el("button", { type: "button", class: "btn btn-default navbar-btn",
                              id: "athsys-fold", text: "⤒", title: "Hide the menu bar",
                              "aria-label": "Hide the menu bar" });
  const unfold = el("button", { type: "button", class: "btn btn-default athsys-unfold",
                                id: "athsys-unfold", text: "☰ Menu",
                                "aria-label": "Show the menu bar" });
  const set = (folded) => {
    root.dataset.menu = folded ? "folded" : "shown";
    remember("menu", root.dataset.menu);
    (folded ? unfold : fold).focus();
  };
  fold.addEventListener("click", () => set(true));
  unfold.addEventListener("click", () => set(false));
  return [fold, unfold];
}

function shortcutsHelp() {
  const page = document.querySelector("[data-shortcuts]")?.dataset.shortcuts ?? "";
  const lines = ["?: show or hide this help", "Esc: close it",
                 ...page.split(";").map((s) => s.trim()).filter(Boolean)];
  const dialog = el("div", { id: "athsys-shortcuts", class: "athsys-shortcuts", role: "dialog",
                             "aria-modal": "true", "aria-labelledby": "athsys-shortcuts-title",
                             tabindex: "-1" },
    el("h2", { id: "athsys-shortcuts-title", text: "Keyboard shortcuts" }),
    el("ul", {}, ...lines.map((line) => {
      const [key, ...what] = line.split(":");
      return el("li", {}, el("kbd", { text: key.trim() }), ` ${what.join(":").trim()}`);
    })));
  dialog.hidden = true;
  document.body.append(dialog);
  document.addEventListener("keydown", (event) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName)) return;
    if (event.key === "?") {
      dialog.hidden = !dialog.hidden;
      if (!dialog.hidden) dialog.focus();
    } else if (event.key === "Escape" && !dialog.hidden) {
      dialog.hidden = true;
    }
  });
}

const bar = document.querySelector(".navbar .navbar-collapse") ?? document.querySelector(".navbar");
if (bar) {
  const [fold, unfold] = menuButtons();
  bar.append(el("div", { class: "navbar-right athsys-prefs" }, themeButton(), fold));
  document.body.append(unfold);
}
shortcutsHelp();
