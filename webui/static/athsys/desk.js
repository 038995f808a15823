// The registration desk and call room: the registrar types a bib or a name, /api/desk
// answers at most 25 entries (server-side: a marathon's entries never reach the tablet),
// and one tap checks an athlete in or scratches the entry. Text is set with textContent only.

import { el, fetchData, say } from "./dom.js";

const root = document.getElementById("desk");
const $ = (id) => document.getElementById(id);
const search = $("desk-search");
let pending = null;

const call = (url, method = "GET", body = undefined) => fetchData(url, { method, body });

function draw(desk, keepLines = false) {
  $("desk-counts").textContent =
    `${desk.checked_in} checked in · ${desk.scratched} scratched · ${desk.entries} entries`;
  if (keepLines) return;
  const action = (line, label, cls, path) => {
    const button = el("button", { type: "button", class: `btn ${cls}`, text: label,
                                  "data-action": path, "data-bib": line.bib });
    button.addEventListener("click", async () => {
      if (path === "scratch" && !window.confirm(`Scratch bib ${line.bib} (${line.name})? `
          + "The entry leaves the start lists of heats not yet run.")) return;
      try {
        const answer = await call(`${root.dataset.entries}/${line.entry_id}/${path}`, "POST");
        say(`Bib ${line.bib}: ${label === "Check in" ? "checked in" : "scratched"}`, "success");
        draw(answer, true);
        find();
      } catch (error) {
        say(error.message);
      }
    });
    return button;
  };
  $("desk-rows").replaceChildren(...desk.lines.map((line) => el("tr",
    { class: line.status === "scratched" ? "scratched" : "" },
    el("td", { class: "field-bib", text: line.bib }),
    el("td", { text: line.club ? `${line.name} (${line.club})` : line.name }),
    el("td", { text: line.event }),
    el("td", { class: "desk-status", text: line.status.replace("_", " ") }),
    el("td", {}, el("span", { class: "desk-chip", text: line.chip
      ? `${line.chip}${line.chip_last_read ? ` (read ${line.chip_last_read})` : " (never read)"}`
      : "none" }), " ", chipButton(line)),
    el("td", {}, el("div", { class: "heat-outcomes" },
      line.status === "checked_in" || line.status === "scratched"
        ? null : action(line, "Check in", "heat-ok", "check-in"),
      line.status === "scratched" ? null : action(line, "Scratch", "heat-dq", "scratch"))))));
  if (search.value.trim() && !desk.lines.length) say(`Nobody found for "${search.value.trim()}".`, "warning");
}

// a chip handed out at the desk (or swapped): the results of both wearers follow
function chipButton(line) {
  const button = el("button", { type: "button", class: "btn btn-default", text: "Chip…",
                                "data-chip": line.bib });
  button.addEventListener("click", async () => {
    const chip = window.prompt(`Chip for bib ${line.bib} (${line.name}):`, line.chip || "");
    if (!chip || chip.trim() === line.chip) return;
    try {
      await call(`/api/timing/competitions/${line.competition_id}/chips/reassign`, "POST",
                 { chip: chip.trim(), entry_id: line.entry_id });
      say(`Bib ${line.bib} wears chip ${chip.trim()}`, "success");
      find();
    } catch (error) {
      say(error.message);
    }
  });
  return button;
}

async function find() {
  try {
    const url = `${root.dataset.api}?q=${encodeURIComponent(search.value.trim())}`;
    draw(await call(url));
  } catch (error) {
    say(error.message);
  }
}

search.addEventListener("input", () => {
  clearTimeout(pending);
  say("");
  pending = setTimeout(find, 200);
});
find();
