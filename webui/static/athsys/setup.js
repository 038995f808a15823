// The meet set-up wizard: each step posts to /api/setup and opens the next. The programme
// of a template is shown to edit (drop an event, move a start, set an entry standard) before
// it is saved; a CSV is
// checked (every bad line and field named) before its entries are saved, all or none.
// Text is set with textContent only: names come from files people send.

import { el, fetchData, say } from "./dom.js";

const root = document.getElementById("setup");
const API = root.dataset.api;
const $ = (id) => document.getElementById(id);
const ROUND_NAMES = { heat: "Heats", qualification: "Qualification", semi: "Semi-finals",
                      final: "Final" };
let competition = null;
let planned = [];
let roadRaces = false;

const post = (path, body = {}) => fetchData(`${API}${path}`, { method: "POST", body });
const open = (n) => { $(`step-${n}`).hidden = false; };
const done = (id, text) => { $(id).textContent = `✓ ${text}`; $(id).hidden = false; };

function failed(error) {
  say(error.message);
}

async function run(button, work) {
  button.disabled = true;
  say("");
  try {
    await work();
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

// 1. the competition
$("meet-zone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
$("meet-form").addEventListener("submit", (event) => {
  event.preventDefault();
  run($("meet-create"), async () => {
    competition = await post("/competitions", {
      name: $("meet-name").value, day: $("meet-day").value, venue: $("meet-venue").value,
      time_zone: $("meet-zone").value.trim(), lanes: Number($("meet-lanes").value || 8),
    });
    $("meet-form").hidden = true;
    done("meet-done", `${competition.name}, ${competition.venue}, ${competition.day} ` +
         `(${competition.time_zone}, ${competition.lanes} lanes)`);
    open(2);
    await templates();
  });
});

// 2. the programme
async function templates() {
  const list = await fetchData(`${API}/templates`);
  $("templates").replaceChildren(...list.map((t) => {
    const button = el("button", { type: "button", class: "btn btn-default setup-template",
                                  "data-template": t.key, "aria-pressed": "false" },
      el("strong", { text: t.title }), el("small", { text: t.description }));
    button.addEventListener("click", () => run(button, async () => {
      planned = await post("/programme", { template: t.key,
                                           first_start: $("first-start").value || "10:00" });
      for (const other of document.querySelectorAll("[data-template]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      drawProgramme();
    }));
    return button;
  }));
}

function drawProgramme() {
  $("programme").replaceChildren(...planned.map((event, index) => el("div",
    { class: "setup-event", "data-event": String(index) },
    el("label", { class: "setup-keep" },
      el("input", { type: "checkbox", checked: "", "data-keep": String(index) }),
      ` ${event.name}`),
    el("div", { class: "setup-rounds" }, ...event.rounds.map((r, n) => el("label", {},
      `${r.label || ROUND_NAMES[r.kind]} `,
      el("input", { type: "time", value: r.start, "data-round": `${index}.${n}` }))),
      el("label", { class: "setup-standard" }, "Entry standard ",
        el("input", { type: "text", inputmode: "decimal", maxlength: "12", autocomplete: "off",
                      placeholder: "none", "data-standard": String(index) }))))));
  $("programme-save").hidden = false;
  $("programme-save").textContent = `Save programme (${planned.length} events)`;
}

$("programme").addEventListener("change", () => {
  const kept = document.querySelectorAll("[data-keep]:checked").length;
  $("programme-save").textContent = `Save programme (${kept} events)`;
});

$("programme-save").addEventListener("click", () => run($("programme-save"), async () => {
  const events = planned.flatMap((event, index) => {
    if (!document.querySelector(`[data-keep='${index}']`).checked) return [];
    const standard = document.querySelector(`[data-standard='${index}']`).value.trim();
    return [{ ...event, entry_standard: standard || null, rounds: event.rounds.map((r, n) => ({
      ...r, start: document.querySelector(`[data-round='${index}.${n}']`).value })) }];
  });
  const created = await post(`/competitions/${competition.id}/events`,
                             { lanes: competition.lanes, events });
  $("templates").hidden = true;
  $("programme").hidden = true;
  $("programme-save").hidden = true;
  $("first-start").parentElement.hidden = true;
  done("programme-done", `${created.length} events saved: ` +
       created.map((e) => e.name).join(", "));
  roadRaces = created.some((e) => e.kind === "road");
  open(3);
}));

// 3. entries
$("csv-file").addEventListener("change", async () => {
  const file = $("csv-file").files[0];
  if (file) $("csv-text").value = await file.text();
});

const csvBody = () => {
  const first = $("first-bib").value.trim();
  return { csv: $("csv-text").value, first_bib: first ? Number(first) : null };
};

$("csv-check").addEventListener("click", () => run($("csv-check"), async () => {
  const preview = await post(`/competitions/${competition.id}/entries/preview`, csvBody());
  const parts = [];
  if (preview.problems.length) {
    parts.push(el("p", { class: "setup-bad", text:
      `${preview.problems.length} problem(s): fix the file and check again. Nothing is saved.` }),
    el("ul", { class: "setup-problems" }, ...preview.problems.map((p) => el("li",
      { "data-line": String(p.line) }, el("strong", { text: `Line ${p.line}, ${p.field.replace("_", " ")}: ` }),
      p.message))));
  }
  const numbered = preview.rows.some((r) => r.bib_assigned) ? " (* bib numbered for you)" : "";
  parts.push(el("p", { class: "setup-ok", text: `${preview.rows.length} good row(s)${numbered}` }),
    el("ol", { class: "setup-rows" }, ...preview.rows.map((r) => el("li", {},
      el("span", { class: "field-bib", text: r.bib + (r.bib_assigned ? "*" : "") }),
      ` ${r.name}${r.club ? ` (${r.club})` : ""} · ${r.event}` +
      (r.seed_mark ? ` · ${r.seed_mark}` : "") +
      (r.standard_waiver ? ` · standard waived: ${r.standard_waiver}` : "")))));
  $("preview").replaceChildren(...parts);
  $("csv-save").hidden = !preview.ok;
  $("csv-save").textContent = `Save ${preview.rows.length} entries`;
}));

$("csv-save").addEventListener("click", () => run($("csv-save"), async () => {
  const saved = await post(`/competitions/${competition.id}/entries`, csvBody());
  for (const id of ["csv-save", "csv-check", "preview"]) $(id).hidden = true;
  for (const id of ["csv-file", "csv-text", "first-bib"]) $(id).closest("label").hidden = true;
  done("csv-done", `${saved.entries} entries saved; ${saved.athletes_created} new athletes, ` +
       `${saved.athletes_reused} already registered; ${saved.clubs_created} new clubs`);
  if (roadRaces) open(4);  // chips are for road races
  open(5);
}));

// 4. chips
$("chips-assign").addEventListener("click", () => run($("chips-assign"), async () => {
  const chips = await post(`/competitions/${competition.id}/chips`,
                           { prefix: $("chip-prefix").value.trim() });
  done("chips-done", `${chips.assigned} chips assigned`);
}));

// 5 and 6. seeding, then the start lists to print
$("seed").addEventListener("click", () => run($("seed"), async () => {
  const seeded = await post(`/competitions/${competition.id}/seed`);
  done("seed-done", `${seeded.seeded.length} rounds seeded` + (seeded.without_entries.length
    ? `; without entries: ${seeded.without_entries.join(", ")}` : ""));
  $("start-lists").replaceChildren(...seeded.start_lists.map((s) => el("li", {},
    el("span", { text: s.name }),
    el("a", { class: "btn btn-default", href: s.sheet, target: "_blank", rel: "noopener",
              text: "Print heat sheet" }),
    el("a", { class: "btn btn-default", href: s.console,
              text: s.field ? "Field judge's console" : "Starter's console" }))));
  open(6);
}));
