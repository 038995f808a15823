/* AthSys live page: loads boards and heats from /api/public, follows /live/<id>/stream
   (server-sent events), falls back to polling /api/public/competitions/<id>/live. */
(function () {
  "use strict";
  var cfg = window.ATHSYS_LIVE, id = cfg.competition, api = "/api/public";
  var conn = document.getElementById("conn"), versions = {}, pollTimer = null, openHeat = null;

  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function get(url) { return fetch(url, {headers: {Accept: "application/json"}}).then(function (r) {
    return r.json(); }).then(function (body) { if (!body.success) throw body.error; return body.data; }); }
  function state(official) { return official ? '<span class="badge official">official</span>'
                                             : '<span class="badge unofficial">unofficial</span>'; }
  function table(lines, fresh) {
    // columns a board does not use (wind on the road, records before anything is official)
    var wind = lines.some(function (l) { return l.wind; }),
        recs = lines.some(function (l) { return (l.records || []).length; });
    var rows = lines.map(function (l) {
      var cls = (l.place == null ? "out" : "") + (fresh && fresh[l.entry_id] ? " fresh" : "");
      return '<tr class="' + cls + '" data-entry="' + l.entry_id + '"><td>' + (l.place == null ? "" : l.place + (l.tied ? "=" : "")) +
        "</td><td>" + esc(l.bib) + '</td><td class="name"><a href="/live/' + id + "/athletes/" + l.entry_id + '">' + esc(l.name) + "</a>" + legs(l) + "</td><td>" + esc(l.club) + '</td><td class="mark">' +
        esc(l.mark_text) + "</td>" + (wind ? "<td>" + esc(l.wind || "") + "</td>" : "") + '<td class="gap">' +
        esc(l.gap_text || "") + "</td>" +
        (recs ? '<td class="recs">' + esc((l.records || []).join(" ")) + "</td>" : "") + "</tr>"; }).join("");
    return '<table class="results"><thead><tr><th>Pl</th><th>Bib</th><th>Name</th><th class="club">Club</th>' +
      "<th>Mark</th>" + (wind ? "<th>Wind</th>" : "") + '<th class="gap">Gap</th>' + (recs ? '<th class="recs">Rec</th>' : "") +
      "</tr></thead><tbody>" + rows + "</tbody></table>";
  }
  function startList(lines) {
    return '<table class="results"><thead><tr><th>Lane</th><th>Bib</th><th>Name</th><th>Club</th><th>Seed</th></tr></thead><tbody>' +
      lines.map(function (s) { return "<tr><td>" + esc(s.lane || s.position) + "</td><td>" + esc(s.bib) + "</td><td>" +
        esc(s.name) + legs(s) + "</td><td>" + esc(s.club) + "</td><td>" + esc(s.seed_text) + "</td></tr>"; }).join("") + "</tbody></table>";
  }
  // a relay team's runners in leg order, under its name
  function legs(l) {
    return (l.legs || []).length ? '<span class="legs">' + l.legs.map(esc).join(", ") + "</span>" : "";
  }
  var seen = {};
  function freshOf(key, lines) {
    var before = seen[key], fresh = {};
    lines.forEach(function (l) { var sig = l.mark_text + l.status + l.revision;
      if (before && before[l.entry_id] !== sig) fresh[l.entry_id] = true; });
    seen[key] = {}; lines.forEach(function (l) { seen[key][l.entry_id] = l.mark_text + l.status + l.revision; });
    return fresh;
  }
  function heatHtml(d) {
    var title = esc(d.event.name) + " · " + esc(d.heat.round) + " " + d.heat.number;
    if (d.kind === "start_list") return {title: title, body: '<p class="state"><span class="badge">start list</span></p>' + startList(d.lines)};
    d.lines.forEach(function (l) { l.measure = d.event.measure; });
    return {title: title, body: '<p class="state">' + state(d.heat.official) + (d.heat.wind ? " wind " + esc(d.heat.wind) : "") +
      "</p>" + table(d.lines, freshOf("h" + d.heat.id, d.lines))};
  }
  function since(version) { return version === undefined ? "" : "&v=" + version; }
  function loadHeat(heatId, target, version) {
    return get(api + "/heats/" + heatId + "/results?per_page=50" + since(version)).then(function (d) {
      var h = heatHtml(d), badge = document.querySelector('li[data-heat="' + d.heat.id + '"] .badge');
      if (badge) { badge.className = "badge " + d.heat.status; badge.textContent = d.heat.official ? "official" : d.heat.status; }
      if (target === "latest") { document.getElementById("latest").hidden = false;
        document.getElementById("latest-body").innerHTML = "<h3>" + h.title + "</h3>" + h.body; }
      else { openHeat = heatId; document.getElementById("heat").hidden = false;
        document.getElementById("heat-title").innerHTML = h.title; document.getElementById("heat-body").innerHTML = h.body; }
    });
  }
  function loadBoard(eventId) {
    var box = document.getElementById("board-" + eventId);
    if (!box || !box.parentNode.open) return Promise.resolve();
    return get(api + "/events/" + eventId + "/leaderboard?per_page=50" + since(versions[eventId])).then(function (d) {
      if (!d.lines.length) { box.innerHTML = '<p class="muted">No results yet.</p>'; return; }
      var official = d.lines.every(function (l) { return l.official; });
      d.lines.forEach(function (l) { l.measure = d.event.measure; });
      box.innerHTML = '<p class="state">' + state(official) + "</p>" + table(d.lines, freshOf("e" + eventId, d.lines));
    }).catch(function () { box.innerHTML = '<p class="muted">Not available.</p>'; });
  }
  // team standings: the worker computes them with the boards; shown when the meet scores teams
  function schemeText(s) {
    if (s.scoring === "cross-country") return "Cross-country: " + s.scorers + " score, " + s.displacers +
      " displace; a tie goes to the team whose last scorer finished nearer first" + (s.relays ? "" : "; relays not counted");
    return "Points per place " + s.points.join("-") + (s.scorers ? ", best " + s.scorers + " per team per event" : "") +
      "; a tie goes to more first places, then seconds" + (s.relays ? "" : "; relays not counted");
  }
  function loadTeams() {
    return get(api + "/competitions/" + id + "/teams").then(function (d) {
      var box = document.getElementById("teams");
      if (!box || !d.scheme) return;
      box.hidden = false;
      document.getElementById("teams-scheme").textContent = schemeText(d.scheme);
      document.getElementById("teams-body").innerHTML = !d.teams.length ? '<p class="muted">No team scores yet.</p>' :
        '<table class="results teams"><thead><tr><th>Pl</th><th>Team</th><th>Points</th><th>Events</th></tr></thead><tbody>' +
        d.teams.map(function (t) { return '<tr class="' + (t.place == null ? "out" : "") + '"><td>' + (t.place == null ? "" : t.place) +
          "</td><td>" + esc(t.team) + '</td><td class="mark">' + esc(t.points) + "</td><td>" + esc(t.events) + "</td></tr>"; }).join("") +
        "</tbody></table>";
    }).catch(function () {});
  }
  function changed(msg) {
    loadTeams();
    versions[msg.event_id] = msg.version;
    loadBoard(msg.event_id);
    (msg.heat_ids || []).slice(-1).forEach(function (h) { loadHeat(h, "latest", msg.version); });
    if (openHeat && (msg.heat_ids || []).indexOf(openHeat) >= 0) loadHeat(openHeat, null, msg.version);
  }
  function setConn(kind, text) { conn.className = "conn " + kind; conn.textContent = text; }
  // turned away from the stream (every slot busy, Redis down): poll every second, and try
  // the stream again every 30 s so the page goes back to live updates once a slot is free
  function poll() {
    if (window.EventSource) setTimeout(listen, 30000);
    if (pollTimer) return;
    setConn("poll", "updating every second");
    pollTimer = setInterval(function () {
      get(api + "/competitions/" + id + "/live").then(function (d) {
        Object.keys(d.events).forEach(function (ev) {
          if (versions[ev] !== undefined && versions[ev] !== d.events[ev]) changed({event_id: +ev, version: d.events[ev], heat_ids: []});
          versions[ev] = d.events[ev]; });
      }).catch(function () {});
    }, 1000);
  }
  function listen() {
    if (!window.EventSource) return poll();
    var source = new EventSource("/live/" + id + "/stream"), failures = 0;
    source.addEventListener("hello", function (e) { failures = 0; setConn("live", "live");
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
      var v = JSON.parse(e.data).events;
      Object.keys(v).forEach(function (ev) { if (versions[ev] !== undefined && versions[ev] !== v[ev]) changed({event_id: +ev, version: v[ev], heat_ids: []}); versions[ev] = v[ev]; }); });
    source.addEventListener("update", function (e) {
      var msg = JSON.parse(e.data);
      if (!msg.unchanged) changed(msg);  // no board line moved (a gun, a failed attempt): scoreboards only
    });
    source.addEventListener("fallback", function () { source.close(); poll(); });
    source.onerror = function () { if (++failures > 3) { source.close(); poll(); } };
  }
  document.querySelectorAll("details.event").forEach(function (d) {
    d.addEventListener("toggle", function () { if (d.open) loadBoard(d.dataset.event); }); loadBoard(d.dataset.event); });
  document.querySelectorAll("[data-open-heat]").forEach(function (b) {
    b.addEventListener("click", function () { loadHeat(+b.dataset.openHeat); }); });
  // bib and name search: the server answers (at most 20), a quarter second after typing stops
  var form = document.getElementById("search"), q = document.getElementById("search-q"),
      hits = document.getElementById("search-hits"), typing = null, asked = "";
  function search() {
    var text = q.value.trim();
    if (text === asked) return;
    asked = text;
    if (!text) { hits.innerHTML = ""; return; }
    get(api + "/competitions/" + id + "/search?q=" + encodeURIComponent(text)).then(function (found) {
      if (text !== asked) return;
      hits.innerHTML = found.length ? found.map(function (h) {
        return '<li><a href="/live/' + id + "/athletes/" + h.entry_id + '"><b>' + esc(h.bib) + "</b> " + esc(h.name) +
          ' <span class="muted">' + esc(h.club) + " · " + esc(h.event) + "</span></a></li>"; }).join("")
        : '<li class="muted">No athlete found</li>';
    }).catch(function (e) { hits.innerHTML = '<li class="muted">' + esc(e && e.message || "Search failed") + "</li>"; });
  }
  if (form) {
    q.addEventListener("input", function () { clearTimeout(typing); typing = setTimeout(search, 250); });
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(typing); search(); });
  }
  loadTeams();
  listen();
})();
