// The registration desk and call room: the registrar types a bib or a name, /api/desk
// answers at most 25 entries (server-side: a marathon's entries never reach the tablet),
// and one tap checks an athlete in or scratches the entry; a bib is changed, a chip handed
// out, and a late entry made (a known athlete found by last name, or a new one) from the same
// page, a late relay team entered and a relay team's runners declared leg by leg. Text is set with textContent only.

import { el, fetchData, say } from "./dom.js";

const root = document.getElementById("desk");
const $ = (id) => document.getElementById(id);
// an event's name as its option shows it, without the entry standard written beside it
const optionName = (select) => select.selectedOptions[0].textContent.split(" · ")[0];
// the optional fields filled in ({name in the body: input id}), trimmed, added to the body
const addFilled = (body, fields) => {
  for (const [name, id] of Object.entries(fields)) {
    const value = $(id).value.trim();
    if (value) body[name] = value;
  }
};
// an API refusal names fields as the API does (standard_waiver); the desk names their labels
const inWords = (message, fields) => message.replace(/\b[a-z]+(?:_[a-z]+)+\b/g, (name) =>
  fields[name] ? `“${document.querySelector(`label[for="${fields[name]}"]`).textContent}”` : name);
const LATE_FIELDS = { eligibility_override: "desk-override", seed_mark: "desk-seed",
                      standard_waiver: "desk-waiver" };
const TEAM_FIELDS = { team_name: "desk-team-name", seed_mark: "desk-team-seed",
                      standard_waiver: "desk-team-waiver" };
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
      bibButton(line), line.legs ? legsButton(line) : null)))));
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

// -- a relay team's runners: one of its club's athletes per leg, and reserves ----------------
// Declared as a whole through /api/relay_teams until the team's race starts; the API refuses
// a runner of another club, one in two teams of the event or a mixed relay's wrong mix, and
// says why.
const RESERVES = 2;

function legsButton(line) {
  const button = el("button", { type: "button", class: "btn desk-secondary", text: "Legs…",
                                "data-legs": line.bib });
  button.addEventListener("click", () => toggleLegs(line));
  return button;
}

function runnerChoice(label, athletes, chosen) {
  const select = el("select", { class: "desk-input" },
    el("option", { value: "", text: "—" }),
    ...athletes.map((athlete) => el("option", { value: String(athlete.id),
      text: `${athlete.last_name.toUpperCase()} ${athlete.first_name}` })));
  select.value = chosen ? String(chosen) : "";
  return el("label", { class: "desk-leg-label" }, el("span", { text: label }), select);
}

// the team's panel under the list (a phone scrolls the list sideways, never the form)
async function toggleLegs(line) {
  const panel = $("desk-legs");
  if (!panel.hidden && panel.dataset.entry === String(line.entry_id)) {
    panel.hidden = true;
    return;
  }
  try {
    const [team, athletes] = await Promise.all([
      call(`/api/relay_teams/${line.entry_id}`),
      call(`/api/athletes?club_id=${line.team_club_id}&per_page=100`)]);
    athletes.sort((a, b) => `${a.last_name} ${a.first_name}`.localeCompare(
      `${b.last_name} ${b.first_name}`));
    const onLeg = new Map(team.legs.filter((leg) => leg.leg).map((leg) => [leg.leg, leg.athlete_id]));
    const reserves = team.legs.filter((leg) => !leg.leg).map((leg) => leg.athlete_id);
    const choices = [
      ...Array.from({ length: line.legs }, (_, i) => runnerChoice(`Leg ${i + 1}`, athletes, onLeg.get(i + 1))),
      ...Array.from({ length: RESERVES }, (_, i) => runnerChoice(`Reserve ${i + 1}`, athletes, reserves[i])),
    ];
    const form = el("form", { class: "desk-legs-form" }, ...choices,
      el("button", { type: "submit", class: "btn heat-ok desk-declare", text: "Declare legs" }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const legs = choices.map((choice, i) => ({
        athlete_id: Number(choice.querySelector("select").value),
        leg: i < line.legs ? i + 1 : null })).filter((leg) => leg.athlete_id);
      try {
        await call(`/api/relay_teams/${line.entry_id}/legs`, "PUT", { legs });
        say(`${line.name}: ${legs.filter((leg) => leg.leg).length} legs and `
            + `${legs.filter((leg) => !leg.leg).length} reserve(s) declared`, "success");
        panel.hidden = true;
      } catch (error) {
        say(error.message);
      }
    });
    panel.dataset.entry = String(line.entry_id);
    panel.replaceChildren(el("h2", { id: "desk-legs-title", class: "desk-legs-title",
                                     text: `${line.bib} ${line.name}: runners` }), form);
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });
    choices[0].querySelector("select").focus();
  } catch (error) {
    say(error.message);
  }
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
  addFilled(body, LATE_FIELDS);
  try {
    const answer = await call(`${root.dataset.late}`, "POST", body);
    const eventName = optionName($("desk-event"));
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
    say(inWords(error.message, LATE_FIELDS));
  }
});

// -- late relay teams: the club found by name or code (server-side), then POST /api/relay_teams;
// a refusal (a seed mark that misses the entry standard, a team name taken) is shown with the
// API's field names turned into the form's labels
const teamForm = $("desk-team-form");
let club = null;
let clubLookup = null;

async function findClubs() {
  const text = $("desk-club").value.trim();
  if (!text) return $("desk-clubs").replaceChildren();
  try {
    const found = await call(`/api/pickers/clubs?q=${encodeURIComponent(text)}`);
    $("desk-clubs").replaceChildren(...found.map((row) => {
      const button = el("button", { type: "button", class: "btn btn-default", role: "listitem",
                                    text: row.text });
      button.addEventListener("click", () => {
        club = row.id;
        $("desk-club-chosen").textContent = `Entering a team of ${row.text}`;
      });
      return button;
    }));
  } catch (error) {
    say(error.message);
  }
}

if (teamForm) {
  $("desk-club").addEventListener("input", () => {
    clearTimeout(clubLookup);
    clubLookup = setTimeout(findClubs, 200);
  });
  teamForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (club === null) return say("Find the team's club by its name or code, then tap it.");
    const body = { event_id: Number($("desk-relay").value), club_id: club,
                   bib: $("desk-team-bib").value.trim() };
    addFilled(body, TEAM_FIELDS);
    try {
      const team = await call("/api/relay_teams", "POST", body);
      say(`${team.team_name} (bib ${team.bib}) entered in ${optionName($("desk-relay"))}: `
          + "declare its runners with Legs….", "success");
      search.value = team.bib;
      find();
      teamForm.reset();
      $("desk-clubs").replaceChildren();
      $("desk-club-chosen").textContent = "";
      $("desk-team").open = false;
      club = null;
    } catch (error) {
      say(inWords(error.message, TEAM_FIELDS));
    }
  });
}

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
