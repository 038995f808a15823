// AthSys scoreboard: one heat full screen. Reads the board state (docs/scoreboard.md) from the
// server-sent events of /live/heats/<id>/board/stream, runs the race clock from the gun itself,
// and reconnects by itself; turned away (or without EventSource) it polls the JSON every second.
const body = document.body;
const $ = (id) => document.getElementById(id);
const streamUrl = body.dataset.stream, jsonUrl = body.dataset.json;
let state = null, offset = 0, pollTimer = null, retryTimer = null, source = null;
let marking = false, clockKnown = false;  // false while the first state is drawn: nothing is new then
const seen = new Set();

export function clockText(ms) {
  if (ms < 0) ms = 0;
  const tenths = Math.floor(ms / 100), s = Math.floor(tenths / 10), t = tenths % 10;
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  if (h) return `${h}:${two(m)}:${two(sec)}`;
  if (m) return `${m}:${two(sec)}.${t}`;
  return `${sec}.${t}`;
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
}

function head(names) {
  const tr = document.createElement("tr");
  for (const [text, cls] of names) {
    const th = document.createElement("th");
    th.textContent = text; if (cls) th.className = cls; tr.appendChild(th);
  }
  $("head").replaceChildren(tr);
}

function freshRow(tr, key) {
  if (marking && !seen.has(key)) tr.classList.add("fresh");
  seen.add(key);
}

function drawRace(s) {
  head([["Pl", "num"], ["Ln", "num"], ["Bib", "num"], ["Name", "name"], ["Club", "club"], ["Mark", "mark"]]);
  const rows = [], done = new Set();
  for (const r of s.results) {
    const tr = document.createElement("tr");
    cell(tr, r.place ?? "", "num"); cell(tr, r.lane ?? "", "num"); cell(tr, r.bib, "num");
    cell(tr, r.name, "name"); cell(tr, r.club, "club");
    cell(tr, r.status === "OK" ? r.mark : r.status, "mark");
    freshRow(tr, `r:${r.bib}:${r.mark}:${r.status}`);
    rows.push(tr); done.add(r.bib);
  }
  for (const l of s.lanes) {
    if (done.has(l.bib)) continue;
    const tr = document.createElement("tr");
    tr.className = "waiting";
    cell(tr, "", "num"); cell(tr, l.lane ?? l.position ?? "", "num"); cell(tr, l.bib, "num");
    cell(tr, l.name, "name"); cell(tr, l.club, "club"); cell(tr, "", "mark");
    rows.push(tr);
  }
  $("body").replaceChildren(...rows);
  $("wind").textContent = s.wind ? `wind ${s.wind} m/s` : "";
  $("up").textContent = "";
}

function drawField(s) {
  head([["Pl", "num"], ["Bib", "num"], ["Name", "name"], ["Series", "series"], ["Best", "mark"]]);
  const rows = s.standings.map((l) => {
    const tr = document.createElement("tr");
    if (l.out) tr.classList.add("out");
    if (s.up && s.up.bib === l.bib) tr.classList.add("next");
    cell(tr, l.place ?? "", "num"); cell(tr, l.bib, "num"); cell(tr, l.name, "name");
    cell(tr, l.series.filter(Boolean).slice(-4).join("  "), "series"); cell(tr, l.best, "mark");
    freshRow(tr, `f:${l.bib}:${l.attempts}`);
    return tr;
  });
  $("body").replaceChildren(...rows);
  $("wind").textContent = "";
  const at = s.vertical ? (s.bar ? `Bar ${s.bar} m` : "") : (s.trial ? `Trial ${s.trial} of ${s.trials}` : "");
  $("clock").textContent = at; $("clock").className = "clock stopped";
  $("up").textContent = s.up ? `Up: ${s.up.bib} ${s.up.name} · attempt ${s.up.attempt}` : (
    s.status === "scheduled" ? "" : "Competition over");
  if (s.jump_off) $("up").textContent += ` · jump-off at ${s.jump_off.bar ?? "—"} m`;
}

function draw(s) {
  marking = state !== null;
  state = s;
  $("event").textContent = s.event;
  $("sub").textContent = [s.round, `heat ${s.heat}`, s.name, s.scheduled_text].filter(Boolean).join(" · ");
  $("status").textContent = s.status; $("status").className = `status ${s.status}`;
  if (s.kind === "field") drawField(s); else drawRace(s);
  $("updated").textContent = `v ${s.version}`;
  tick();
}

function tick() {
  const s = state;
  if (!s || s.kind !== "race") return;
  const clock = $("clock");
  if (s.clock_running && s.gun_time) {
    clock.className = "clock";
    clock.textContent = clockText(Date.now() + offset - Date.parse(s.gun_time));
  } else {
    clock.className = "clock stopped";
    const first = s.results.find((r) => r.place === 1);
    clock.textContent = first ? first.mark : (s.gun_time ? "" : s.scheduled_text);
  }
}

function setConn(kind, text) { const c = $("conn"); c.className = `conn ${kind}`; c.textContent = text; }

function poll() {
  if (pollTimer) return;
  setConn("poll", "updating every second");
  const once = () => fetch(jsonUrl, { cache: "no-store" }).then((r) => {
    // no stream, no clock event: a board clock off by more than 2 s follows the Date header
    const served = Date.parse(r.headers.get("Date") || "");
    if (!clockKnown && !Number.isNaN(served) && Math.abs(served - Date.now()) > 2000) {
      offset = served - Date.now();
    }
    return r.json();
  }).then((d) => {
    if (d.success && (!state || d.data.version !== state.version)) draw(d.data);
  }).catch(() => setConn("down", "no connection"));
  once(); pollTimer = setInterval(once, 1000);
  // try the stream again now and then
  clearTimeout(retryTimer); retryTimer = setTimeout(() => { stopPolling(); listen(); }, 30000);
}

function stopPolling() { clearInterval(pollTimer); pollTimer = null; }

function listen() {
  if (!window.EventSource) { poll(); return; }
  if (source) source.close();
  source = new EventSource(streamUrl);
  source.addEventListener("clock", (e) => {
    offset = Date.parse(JSON.parse(e.data).now) - Date.now(); clockKnown = true;
  });
  source.addEventListener("board", (e) => {
    setConn("live", "live");
    const s = JSON.parse(e.data);
    if (!state || s.version !== state.version) draw(s);
  });
  source.addEventListener("fallback", () => { source.close(); source = null; poll(); });
  source.onerror = () => {
    setConn("down", "reconnecting");
    // the browser reconnects by itself unless the answer was an error; then we do
    if (source && source.readyState === EventSource.CLOSED) {
      source = null; clearTimeout(retryTimer); retryTimer = setTimeout(listen, 2000);
    }
  };
}

setInterval(tick, 50);
listen();
