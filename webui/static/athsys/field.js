// The field judge's console: the flight's sheet from /api/field, one tap per attempt.
//
// Every attempt goes through the outbox (outbox.js): kept on the tablet until the server
// has answered it, "n unsent" shown while the network is down. Each write carries the
// athlete's attempt number, so an attempt sent twice (a lost answer, a second tablet) is
// stored once. Text is set with textContent only: names are data typed by registrants.

import { el, refusal, say, send } from "./dom.js";
import { Outbox } from "./outbox.js";

const root = document.getElementById("field");
const api = root.dataset.api;
const $ = (id) => document.getElementById(id);

let sheet = null;
let selected = null; // entry id

function showUnsent(count) {
  const badge = $("field-unsent");
  badge.hidden = count === 0;
  badge.textContent = `${count} unsent`;
  if (sheet) draw();
}

function row(entryId) {
  return sheet?.rows.find((r) => r.entry_id === entryId);
}

function pendingFor(entryId) {
  return outbox ? outbox.filter((w) => w.body.entry_id === entryId).length : 0;
}

// A tie for first after count-back in a high jump or pole vault final: the jump-off, one
// attempt each at the bar the rule sets (the server checks it); R is "declines" there.
function drawJumpOff(jumpOff, names) {
  const banner = $("field-jumpoff");
  banner.hidden = !jumpOff;
  const height = $("field-height");
  const open = Boolean(jumpOff && jumpOff.bar);
  height.readOnly = open;
  if (open) height.value = jumpOff.bar;
  document.querySelector('[data-outcome="-"] small').textContent = open ? "does not jump" : "pass";
  document.querySelector('[data-outcome="r"] small').textContent = open ? "declines" : "retired";
  if (!jumpOff) return;
  const tied = jumpOff.tied.map(names).join(" and ");
  banner.textContent = jumpOff.winners.length === 1
    ? `Jump-off decided: ${names(jumpOff.winners[0])} first.`
    : jumpOff.winners.length
      ? `${tied} share first place.`
      : `Jump-off for first place between ${tied}: one attempt each at ${jumpOff.bar}. ` +
        "If they all decline (R for each), they share first.";
}

function draw() {
  const jumpOff = sheet.jump_off;
  const columns = sheet.vertical ? sheet.heights : [...Array(sheet.trials).keys()].map((i) => `${i + 1}`);
  const jumpOffColumns = jumpOff ? jumpOff.heights.map((h) => `JO ${h}`) : [];
  $("field-columns").replaceChildren(
    el("th", { scope: "col", text: "Bib" }), el("th", { scope: "col", text: "Athlete" }),
    ...columns.map((c) => el("th", { scope: "col", class: "field-cell", text: c })),
    ...jumpOffColumns.map((c) => el("th", { scope: "col", class: "field-cell field-jo", text: c })),
    el("th", { scope: "col", text: "Best" }), el("th", { scope: "col", text: "Pl." }),
    el("th", { scope: "col", class: "field-pending-head" }, el("span", { class: "sr-only", text: "Unsent" })));
  $("field-rows").replaceChildren(...sheet.rows.map((r) => {
    const cells = sheet.vertical ? r.cells : columns.map((_, i) => r.cells[i] ?? "");
    const classes = ["field-row"];
    if (r.entry_id === selected) classes.push("selected");
    if (r.entry_id === sheet.up_next) classes.push("up");
    if (r.out) classes.push("out");
    const line = el("tr", { class: classes.join(" "), tabindex: "0", "data-entry": r.entry_id,
                            "aria-selected": String(r.entry_id === selected) },
      el("td", { class: "field-bib", text: r.bib }), el("td", { text: r.name }),
      ...cells.map((c) => el("td", { class: "field-cell", text: c })),
      ...jumpOffColumns.map((_, i) => el("td", { class: "field-cell field-jo", text: r.jump_off[i] ?? "" })),
      el("td", { text: r.best }), el("td", { class: "field-place", text: r.place ?? "" }),
      el("td", { class: "field-pending", text: pendingFor(r.entry_id) ? `+${pendingFor(r.entry_id)}` : "" }));
    return line;
  }));
  const up = row(sheet.up_next);
  const at = jumpOff?.bar ? ` (jump-off at ${jumpOff.bar})` : "";
  $("field-up").textContent = up ? `Up: ${up.bib} ${up.name}${at}` :
    (sheet.vertical && !jumpOff?.winners.length ? "Nobody left at this bar: raise it" : "Series complete");
  drawJumpOff(jumpOff, (id) => { const r = row(id); return r ? `${r.bib} ${r.name}` : `${id}`; });
  const who = row(selected);
  $("field-who").textContent = who
    ? `${who.bib} ${who.name}: attempt ${who.attempts + pendingFor(who.entry_id) + 1}`
    : "Choose an athlete";
  const finalOrder = sheet.final_round_order || [];
  $("field-final").hidden = !finalOrder.length;
  $("field-final").textContent = `Final trials, best ${finalOrder.length} in reverse order of the standing: bibs ${finalOrder.join(", ")}`;
  $("field-vertical").hidden = !sheet.vertical;
  $("field-horizontal").hidden = sheet.vertical;
  $("field-wind-box").hidden = !sheet.wind;
  if (sheet.vertical && !$("field-height").value && sheet.heights.length) {
    $("field-height").value = sheet.heights[sheet.heights.length - 1];
  }
}

function show(data) {
  const followUp = selected === null || selected === sheet?.up_next;
  sheet = data;
  if (followUp || !row(selected)) selected = data.up_next ?? data.rows[0]?.entry_id ?? null;
  draw();
}

const call = (url, body) => send(url, body === undefined ? {} : { method: "POST", body });

async function load() {
  try {
    const { status, answer } = await call(api);
    if (status === 401 || !answer.success) return say(refusal(status, answer));
    show(answer.data);
  } catch {
    say("No network: the sheet shows what this tablet knows.", "warning");
  }
}

function record(fields) {
  const who = row(selected);
  if (!who) return say("Choose an athlete first.");
  const body = { entry_id: who.entry_id, attempt: who.attempts + pendingFor(who.entry_id) + 1, ...fields };
  outbox.push({ body });
}

function recordHeight(outcome) {
  const height = $("field-height").value.trim();
  if (!height) return say("Write the bar height first (for example 2.05).");
  record({ outcome, height });
}

function recordTrial(trial) {
  const wind = sheet.wind ? $("field-wind").value.trim() : "";
  record(wind ? { trial, wind } : { trial });
  $("field-mark").value = "";
  $("field-wind").value = "";
}

document.querySelectorAll("[data-outcome]").forEach((button) =>
  button.addEventListener("click", () => recordHeight(button.dataset.outcome)));
document.querySelectorAll("[data-trial]").forEach((button) =>
  button.addEventListener("click", () => recordTrial(button.dataset.trial)));
$("field-entry").addEventListener("submit", (event) => {
  event.preventDefault();
  if (sheet?.vertical) return;
  const mark = $("field-mark").value.trim();
  if (!mark) return say("Write the mark (for example 8.41), or tap X or –.");
  recordTrial(mark);
});
$("field-rows").addEventListener("click", (event) => {
  const line = event.target.closest("tr[data-entry]");
  if (!line) return;
  selected = Number(line.dataset.entry);
  draw();
});
$("field-undo").addEventListener("click", async () => {
  if (outbox.length) return say("Some attempts are not sent yet: wait for them before undoing.", "warning");
  if (!window.confirm("Remove the last attempt recorded in this flight?")) return;
  try {
    const { status, answer } = await call(`${api}/undo`, {});
    if (!answer.success) return say(refusal(status, answer));
    say("");
    show(answer.data);
  } catch {
    say("No network: undo needs the server.", "warning");
  }
});
// keyboard: o x - r at the bar, arrows to choose the athlete, u to undo (listed by "?")
document.addEventListener("keydown", (event) => {
  if (!sheet || ["INPUT", "SELECT"].includes(event.target.tagName)) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    const ids = sheet.rows.map((r) => r.entry_id);
    const at = ids.indexOf(selected);
    const next = ids[Math.min(ids.length - 1, Math.max(0, at + (event.key === "ArrowDown" ? 1 : -1)))];
    if (next !== undefined) { selected = next; draw(); }
    event.preventDefault();
    return;
  }
  if (event.key.toLowerCase() === "u") return $("field-undo").click();
  const outcome = { o: "o", x: "x", "-": "-", r: "r" }[event.key.toLowerCase()];
  if (outcome && sheet.vertical) recordHeight(outcome);
});
const outbox = new Outbox(`athsys-field-${root.dataset.heat}`, {
  send: (item) => call(`${api}/attempts`, item.body),
  onAnswer: async (_, status, answer) => {
    if (answer.success) { say(""); show(answer.data); return; }
    say(refusal(status, answer));
    await load();
  },
  onChange: showUnsent,
  onOffline: (count) => say(`No network: ${count} attempt(s) kept on this tablet, sent when it returns.`, "warning"),
  onSignedOut: () => say(refusal(401, {})),
});

load().then(() => outbox.flush());
setInterval(() => { if (!outbox.length) load(); }, 15000); // a second tablet's attempts
