// The starter's and track referee's console: the heat's start list by lane from
// /api/starter, one tap for DNS, DNF or DQ (with the rule cited), a time typed per lane for
// meets without photo finish, the gun, the wind, then confirm the results and make the heat
// official. The call room checks athletes in from the same list (one tap each). The sheet is
// read again every 5 s, so photo-finish results show as they arrive.
// A time typed with an h (11.9h) is a hand time; in a heat timed by hand every typed time is
// one; the server publishes it to the tenth, rounded up.
// What is recorded for an athlete goes through the outbox (outbox.js): kept on the tablet
// until the server answers, so a network cut loses nothing. Text is set with textContent
// only: names are data typed by registrants.

import { el, fetchData, refusal, say, send } from "./dom.js";
import { Outbox } from "./outbox.js";

const root = document.getElementById("heat");
const api = root.dataset.api;
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
let sheet = null;

const post = (url, body) => send(url, { method: "POST", body });
const call = (url, method = "GET", body = undefined) => fetchData(url, { method, body });

function result(line) {
  if (!line.status) return "";
  if (line.status === "OK") return line.source === "lif" ? `${line.mark} (photo)` : line.mark;
  return line.rule ? `${line.status} ${line.rule}` : line.status;
}

function outcomes(line) {
  const time = el("input", { inputmode: "decimal",
                             placeholder: sheet.hand_timed ? "11.9" : "11.87",
                             "aria-label": `Time of bib ${line.bib}` });
  const button = (label, cls, send) => {
    const node = el("button", { type: "button", class: `btn ${cls}`, text: label,
                                "data-bib": line.bib, "data-status": label });
    node.addEventListener("click", send);
    return node;
  };
  return el("div", { class: "heat-outcomes" }, time,
    button("OK", "heat-ok", () => {
      if (!time.value.trim()) return say(`Type bib ${line.bib}'s time first (for example 11.87).`);
      record(line, { status: "OK", mark: time.value.trim() });
    }),
    button("DNS", "heat-dns", () => record(line, { status: "DNS" })),
    button("DNF", "heat-dnf", () => record(line, { status: "DNF" })),
    button("DQ", "heat-dq", () => {
      const rule = window.prompt(`Bib ${line.bib} disqualified under rule:`, "TR16.8");
      if (rule) record(line, { status: "DQ", rule: rule.trim() });
    }));
}

// the call room: who has reported, and one tap to check in whoever reports before the start
function callRoom(line) {
  if (line.entry_status === "checked_in") return el("span", { class: "heat-in", text: "✓ in" });
  if (line.entry_status === "scratched") return el("span", { text: "scratched" });
  if (sheet.status !== "scheduled") return el("span", { class: "heat-absent", text: "not in" });
  const button = el("button", { type: "button", class: "btn desk-secondary", text: "Check in",
                                "data-check-in": line.bib });
  button.addEventListener("click", async () => {
    try {
      await call(`/api/desk/entries/${line.entry_id}/check-in`, "POST");
      say(`Bib ${line.bib} checked in`, "success");
      await load();
    } catch (error) {
      say(error.message);
    }
  });
  return el("div", { class: "heat-outcomes" }, button);
}

// a time being typed is never wiped by the refresh
function typing() {
  return [...document.querySelectorAll("#heat-rows input")].some((input) =>
    input.value.trim() || input === document.activeElement);
}

function draw({ rows = true } = {}) {
  $("heat-title").textContent = sheet.name;
  $("heat-state").textContent = sheet.status;
  $("heat-times").textContent = [sheet.scheduled && `scheduled ${sheet.scheduled}`,
    sheet.gun && `gun ${sheet.gun}`, sheet.wind && `wind ${sheet.wind} m/s`,
    sheet.hand_timed && "timed by hand"]
    .filter(Boolean).join(" · ");
  $("heat-start").disabled = sheet.status !== "scheduled";
  $("heat-finish").disabled = sheet.status !== "started";
  $("heat-official").disabled = sheet.status !== "finished";
  $("heat-wind-box").hidden = !sheet.wind_measured;
  if (!rows) return;
  $("heat-rows").replaceChildren(...sheet.lines.map((line) => el("tr",
    { class: line.entry_status === "scratched" ? "scratched" : "", "data-entry": line.entry_id },
    el("td", { class: "lane", text: line.lane ?? line.position ?? "" }),
    el("td", { class: "field-bib", text: line.bib }),
    el("td", { text: line.club ? `${line.name} (${line.club})` : line.name }),
    el("td", { class: "heat-call" }, callRoom(line)),
    el("td", { class: "heat-result", text: result(line) }),
    el("td", { class: "field-place", text: line.place ?? "" }),
    el("td", {}, sheet.status === "official" ? null : outcomes(line)))));
}

async function load() {
  try {
    sheet = await call(api);
    draw({ rows: !typing() });
  } catch (error) {
    say(`Could not read the heat (${error.message}); trying again.`, "warning");
  }
}

async function act(run, done) {
  try {
    sheet = await run();
    say(done, "success");
    draw({ rows: !typing() }); // a time being typed survives the gun and the confirm
  } catch (error) {
    say(error.message);
  }
}

function record(line, body) {
  const done = `Bib ${line.bib}: ${body.status}${body.mark ? ` ${body.mark}` : ""}` +
    `${body.rule ? ` ${body.rule}` : ""}`;
  outbox.push({ body: { entry_id: line.entry_id, ...body }, done });
}

const outbox = new Outbox(`athsys-heat-${api}`, {
  send: (item) => post(`${api}/outcome`, item.body),
  onAnswer: async (item, status, answer) => {
    if (answer.success) { sheet = answer.data; say(item.done, "success"); draw(); return; }
    say(refusal(status, answer));
    await load();
  },
  onChange: (count) => {
    const badge = $("field-unsent");
    badge.hidden = count === 0;
    badge.textContent = `${count} unsent`;
  },
  onOffline: (count) => say(`No network: ${count} result(s) kept on this tablet, sent when it returns.`, "warning"),
  onSignedOut: () => say(refusal(401, {})),
});

$("heat-start").addEventListener("click", () => act(() => call(`${api}/start`, "POST", {}), "Gun: the heat has started."));
$("heat-finish").addEventListener("click", () => act(() => call(`${api}/finish`, "POST", {}), "Results confirmed: the heat is finished."));
$("heat-official").addEventListener("click", () => {
  if (window.confirm("Make the heat official? Records, PB/SB and notifications follow.")) {
    act(() => call(`${api}/official`, "POST", {}), "The heat is official.");
  }
});
$("heat-wind-save").addEventListener("click", async () => {
  try {
    await call(root.dataset.races, "PUT", { wind: $("heat-wind").value.trim() });
    await act(() => call(api), "Wind saved.");
  } catch (error) {
    say(error.message);
  }
});

// a photo-finish file carried on a USB stick: read here, sent as the camera would send it
$("heat-lif").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const url = `${event.target.dataset.upload}&filename=${encodeURIComponent(file.name)}`;
  try {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin", body: await file.text(),
      headers: { Accept: "application/json", "Content-Type": "text/plain",
                 "X-CSRFToken": root.dataset.csrf },
    });
    const answer = await response.json().catch(() => ({}));
    if (!answer.success) return say(refusal(response.status, answer));
    say(`${file.name}: ${answer.data.results_changed} result(s) from the photo finish`, "success");
    await load();
  } catch {
    say("No network: the file was not sent; choose it again when the network is back.", "warning");
  } finally {
    event.target.value = "";
  }
});

// keyboard: r reads the sheet again now, / goes to the first lane's time (listed by "?")
document.addEventListener("keydown", (event) => {
  if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName)) return;
  if (event.key.toLowerCase() === "r") load();
  if (event.key === "/") {
    event.preventDefault();
    document.querySelector("#heat-rows input")?.focus();
  }
});

load().then(() => outbox.flush());
setInterval(() => { if (!outbox.length) load(); }, REFRESH_MS);
