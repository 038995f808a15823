// The home page: asks /api/home for the signed-in user's sections and draws them, again
// every 30 s. Text is set with textContent only: names typed by registrants are data.

import { el } from "./dom.js";

const root = document.getElementById("home");
const sections = document.getElementById("home-sections");
const alerts = document.getElementById("home-alerts");
const updated = document.getElementById("home-updated");
const REFRESH_MS = Number(root.dataset.refreshS || 30) * 1000;

function link(href, text) {
  return el("a", { href, text });
}

function section(id, title, ...body) {
  return el("section", { class: "home-section", id, "aria-labelledby": `${id}-title` },
    el("h2", { id: `${id}-title`, text: title }), ...body);
}

function empty(text) {
  return el("p", { class: "home-empty", text });
}

// A table from rows; each column is [header, (row) => text or Node].
function table(rows, columns, caption) {
  const head = el("tr", {}, ...columns.map(([name]) => el("th", { scope: "col", text: name })));
  const body = rows.map((row) => el("tr", {}, ...columns.map(([, cell]) => {
    const value = cell(row);
    return value instanceof Node ? el("td", {}, value) : el("td", { text: value ?? "" });
  })));
  return el("div", { class: "table-responsive" },
    el("table", { class: "table table-striped home-table" },
      el("caption", { class: "sr-only", text: caption }),
      el("thead", {}, head), el("tbody", {}, ...body)));
}

function tile(label, value, tone = "") {
  return el("div", { class: `home-tile ${tone}` },
    el("div", { class: "home-tile-value", text: String(value) }),
    el("div", { class: "home-tile-label", text: label }));
}

function ago(iso) {
  if (!iso) return "never";
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60000);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

function competitions(list) {
  if (!list.length) return section("competitions", "Competitions",
    empty("No competition today or in the coming week."));
  return section("competitions", "Competitions", el("ul", { class: "home-competitions" },
    ...list.map((c) => el("li", {},
      el("strong", { text: c.name }),
      el("span", { class: `home-status status-${c.status}`, text: c.status }),
      el("span", { class: "home-muted", text: ` ${c.venue} · ${c.start_date}` +
        (c.end_date !== c.start_date ? ` to ${c.end_date}` : "") }),
      link(`/console/meet/${c.id}`, "Meet page"), " ",
      c.status === "draft" ? null : link(`/live/${c.id}`, "Live page")))));
}

function dashboard(d) {
  const heats = d.heats;
  const queued = d.queue_depth === null ? "no answer"
    : Object.values(d.queue_depth).reduce((a, b) => a + b, 0);
  return section("dashboard", "Meet status", el("div", { class: "home-tiles" },
    tile("heats scheduled", heats.scheduled), tile("started", heats.started),
    tile("finished", heats.finished), tile("official", heats.official),
    tile("results per minute", d.results_per_minute),
    tile("ingestion lag (s)", d.ingestion_lag_s, d.ingestion_lag_s > 30 ? "bad" : ""),
    tile("jobs queued", queued, d.queue_depth === null ? "bad" : ""),
    tile("unprocessed batches", d.unprocessed_batches),
    tile("failed batches", d.failed_batches, d.failed_batches ? "bad" : ""),
    tile("unknown chips", d.unknown_chips, d.unknown_chips ? "warn" : ""),
    tile("last backup", ago(d.last_backup_at), d.last_backup_at ? "" : "warn")));
}

const heatColumns = [
  ["Time", (h) => h.starts || "—"],
  ["Heat", (h) => link(`/console/heat/${h.heat_id}`, h.name)],
  ["Status", (h) => h.status],
  ["Checked in", (h) => `${h.checked_in} of ${h.athletes}`],
];

// a field event opens the judge's console
const fieldColumns = heatColumns.map(([name, cell]) => (name === "Heat"
  ? [name, (h) => link(`/console/field/${h.heat_id}`, h.name)] : [name, cell]));

const entryColumns = [
  ["Date", (e) => e.date], ["Time", (e) => e.starts || "—"], ["Athlete", (e) => e.athlete],
  ["Event", (e) => e.event], ["Competition", (e) => e.competition], ["Bib", (e) => e.bib],
  ["Status", (e) => e.status.replace("_", " ")],
];

function rowsOrEmpty(rows, columns, caption, none) {
  return rows.length ? table(rows, columns, caption) : empty(none);
}

function draw(home) {
  alerts.replaceChildren(...(home.dashboard?.warnings || []).map((text) =>
    el("div", { class: "alert alert-warning", role: "alert", text })));
  const parts = [];
  if (home.setup) parts.push(el("p", { class: "home-setup" },
    el("a", { class: "btn btn-primary btn-lg", href: home.setup, text: "Set up a meet" })));
  if (home.dashboard) parts.push(dashboard(home.dashboard));
  if (home.next_heats) parts.push(section("next-heats", "Next heats",
    rowsOrEmpty(home.next_heats, heatColumns, "Next heats", "No heat waiting to start.")));
  if (home.field_events) parts.push(section("field-events", "Field events",
    rowsOrEmpty(home.field_events, fieldColumns, "Field events", "No field event waiting.")));
  if (home.check_in) parts.push(section("check-in", "Check-in",
    el("p", { class: "home-desks" }, ...home.competitions.filter((c) => c.today).map((c) =>
      link(`/console/desk/${c.id}`, `Registration desk: ${c.name}`))),
    rowsOrEmpty(home.check_in, [
    ["Starts", (e) => e.starts || "—"], ["Event", (e) => e.name], ["Entries", (e) => e.entries],
    ["Checked in", (e) => e.checked_in], ["Scratched", (e) => e.scratched],
  ], "Check-in by event", "No event today.")));
  if (home.club_entries) parts.push(section("club-entries", "Your club's athletes",
    rowsOrEmpty(home.club_entries, entryColumns, "Club entries", "No entry coming up.")));
  if (home.club_relay_teams?.length) parts.push(section("club-relays", "Your club's relay teams",
    table(home.club_relay_teams, [
      ["Date", (t) => t.date], ["Time", (t) => t.starts || "—"], ["Team", (t) => t.team],
      ["Event", (t) => t.event], ["Bib", (t) => t.bib],
      ["Legs", (t) => t.legs.length
        ? t.legs.map((l) => `${l.leg ?? "reserve"}: ${l.name}`).join(" · ")
        : "not declared yet"],
      ["Status", (t) => t.status.replace("_", " ")],
    ], "Club relay teams")));
  if (home.my_entries) parts.push(section("my-entries", "My entries",
    rowsOrEmpty(home.my_entries, entryColumns, "My entries", "No entry coming up.")));
  if (home.my_results) parts.push(section("my-results", "My results",
    rowsOrEmpty(home.my_results, [
      ["Date", (r) => r.date], ["Competition", (r) => r.competition], ["Event", (r) => r.event],
      ["Mark", (r) => r.mark], ["Wind", (r) => r.wind], ["Place", (r) => r.place ?? "—"],
      ["", (r) => r.flags.join(" ")],
    ], "My results", "No result yet.")));
  if (home.personal_bests) parts.push(section("personal-bests", "Personal bests",
    rowsOrEmpty(home.personal_bests, [
      ["Event", (p) => p.discipline], ["Mark", (p) => p.mark], ["Date", (p) => p.date],
      ["Venue", (p) => p.venue],
    ], "Personal bests", "No personal best yet.")));
  parts.push(competitions(home.competitions));
  sections.replaceChildren(...parts);
}

async function refresh() {
  try {
    const response = await fetch(root.dataset.api, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (response.status === 401) {
      updated.replaceChildren("Your session has ended: ", link(root.dataset.login, "log in again"));
      return;
    }
    const body = await response.json();
    if (!body.success) throw new Error(body.error?.message || response.statusText);
    draw(body.data);
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ` +
      `${REFRESH_MS / 1000} s`;
    updated.classList.remove("stale");
  } catch (error) {
    updated.textContent = `Could not refresh (${error.message}); trying again shortly`;
    updated.classList.add("stale");
  }
  setTimeout(refresh, REFRESH_MS);
}

refresh();
