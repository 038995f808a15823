// The registration desk and call room: the registrar types a bib or a name, /api/desk
// answers at most 25 entries (server-side: a marathon's entries never reach the tablet),
// and one tap checks an athlete in or scratches the entry; a bib is changed, a chip handed
// out, and a late entry made (a known athlete found by last name, or a new one) from the same
// page. Text is set with textContent only.

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
      line.status === "scratched" ? null : action(line, "Scratch", "heat-dq", "scratch"),
      bibButton(line))))));
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

// a bib changed at the desk (a lost or swapped bib); the registrations API checks it is free
function bibButton(line) {
  const button = el("button", { type: "button", class: "btn desk-secondary", text: "Bib…",
                                "data-bib-change": line.bib });
  button.addEventListener("click", async () => {
    const bib = window.prompt(`New bib for ${line.name} (now ${line.bib}):`, line.bib);
    if (!bib || bib.trim() === line.bib) return;
    try {
      await call(`/api/registrations/${line.entry_id}`, "PUT", { bib: bib.trim() });
      say(`${line.name} now wears bib ${bib.trim()}`, "success");
      search.value = bib.trim();
      find();
    } catch (error) {
      say(error.message);
    }
  });
  return button;
}

// -- late entries: a known athlete (found by last name, server-side) or a new one ------------
let chosen = null; // athlete id, or "new"
let lookup = null;

function choose(athlete) {
  chosen = athlete ? athlete.id : "new";
  $("desk-new").hidden = chosen !== "new";
  $("desk-chosen").textContent = athlete
    ? `Entering ${athlete.first_name} ${athlete.last_name}${athlete.birth_date ? ` (born ${athlete.birth_date})` : ""}`
    : "Entering a new athlete:";
  if (!athlete) $("desk-last").value = $("desk-athlete").value.trim();
}

async function findAthletes() {
  const name = $("desk-athlete").value.trim();
  if (!name) return $("desk-athletes").replaceChildren();
  try {
    const found = await call(`/api/athletes?last_name=${encodeURIComponent(name)}&per_page=8`);
    const pick = (athlete) => {
      const button = el("button", { type: "button", class: "btn btn-default", role: "listitem",
        text: `${athlete.first_name} ${athlete.last_name}${athlete.birth_date ? `, ${athlete.birth_date.slice(0, 4)}` : ""}` });
      button.addEventListener("click", () => choose(athlete));
      return button;
    };
    const fresh = el("button", { type: "button", class: "btn btn-primary", role: "listitem",
                                 text: "New athlete…" });
    fresh.addEventListener("click", () => choose(null));
    $("desk-athletes").replaceChildren(...found.map(pick), fresh);
  } catch (error) {
    say(error.message);
  }
}

$("desk-athlete").addEventListener("input", () => {
  clearTimeout(lookup);
  lookup = setTimeout(findAthletes, 200);
});

$("desk-late-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (chosen === null) return say("Find the athlete by last name, or tap New athlete.");
  const body = { event_id: Number($("desk-event").value), bib: $("desk-bib").value.trim() };
  if (chosen === "new") {
    body.athlete = { first_name: $("desk-first").value.trim(), last_name: $("desk-last").value.trim(),
                     sex: $("desk-sex").value, birth_date: $("desk-birth").value || null };
  } else {
    body.athlete_id = chosen;
  }
  const override = $("desk-override").value.trim();
  if (override) body.eligibility_override = override;
  try {
    const answer = await call(`${root.dataset.late}`, "POST", body);
    const eventName = $("desk-event").selectedOptions[0].textContent;
    say(`Bib ${body.bib} entered in ${eventName}` + (answer.drawn
      ? ": its start lists were drawn before, draw them again to give a lane." : "."),
        answer.drawn ? "warning" : "success");
    search.value = body.bib;
    draw(answer);
    $("desk-late-form").reset();
    $("desk-athletes").replaceChildren();
    $("desk-chosen").textContent = "";
    $("desk-new").hidden = true;
    $("desk-late").open = false;
    chosen = null;
  } catch (error) {
    say(error.message);
  }
});

async function find() {
  try {
    const url = `${root.dataset.api}?q=${encodeURIComponent(search.value.trim())}`;
    draw(await call(url));
  } catch (error) {
    say(error.message);
  }
}

// keyboard: / to search, n for a late entry (listed by "?")
document.addEventListener("keydown", (event) => {
  if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName)) return;
  if (event.key === "/") { event.preventDefault(); search.focus(); }
  if (event.key.toLowerCase() === "n") {
    event.preventDefault();
    $("desk-late").open = true;
    $("desk-athlete").focus();
  }
});

search.addEventListener("input", () => {
  clearTimeout(pending);
  say("");
  pending = setTimeout(find, 200);
});
find();
