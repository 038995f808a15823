/* AthSys athlete tracking: loads /api/public/competitions/<id>/entries/<entry>/tracking and
   loads it again after each update of the athlete's event on /live/<id>/stream (server-sent
   events), or every five seconds when the stream is unavailable. */
(function () {
  "use strict";
  var cfg = window.ATHSYS_TRACK, conn = document.getElementById("conn");
  var url = "/api/public/competitions/" + cfg.competition + "/entries/" + cfg.entry + "/tracking";
  var shown = 0, pollTimer = null;
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function km(m) { return m >= 1000 ? (m / 1000).toFixed(m % 1000 ? 1 : 0) + " km" : m + " m"; }
  function render(d) {
    var rows = d.splits.map(function (s, i) {
      return '<tr' + (i >= shown && shown ? ' class="fresh"' : "") + "><td>" + esc(s.point) + "</td><td>" + km(s.distance_m) +
        '</td><td class="mark">' + esc(s.net_time || s.gun_time || "") + '</td><td class="mark">' + esc(s.gun_time || "") +
        '</td><td class="gap">' + esc(s.pace_per_km ? s.pace_per_km + "/km" : "") + "</td></tr>"; }).join("");
    shown = d.splits.length;
    document.getElementById("splits").innerHTML = d.splits.length ?
      '<table class="results track"><thead><tr><th>Point</th><th>Dist</th><th>Net</th><th>Gun</th><th class="gap">Pace</th></tr></thead><tbody>' +
      rows + "</tbody></table>" : '<p class="muted">No split yet</p>';
    var last = d.splits[d.splits.length - 1];
    document.getElementById("last-split").textContent = last ? last.point + " · " + (last.net_time || last.gun_time) : "–";
    if (d.result) {
      document.getElementById("finish-label").textContent = "Result";
      document.getElementById("finish").textContent = d.result.mark ? (d.result.place ? d.result.place + ". " : "") + d.result.mark : d.result.status;
    } else {
      document.getElementById("finish").textContent = d.predicted_finish || "–";
    }
  }
  function load(version) {
    return fetch(url + (version ? "?v=" + version : ""), {headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) { if (body.success) render(body.data); }).catch(function () {});
  }
  function setConn(kind, text) { conn.className = "conn " + kind; conn.textContent = text; }
  // turned away (every stream of the server busy, or Redis down): poll, and try the stream
  // again in 30 s, so a viewer gets live updates back once a stream is free
  function poll() {
    if (!pollTimer) {
      setConn("poll", "updating every 5 s");
      pollTimer = setInterval(load, 5000);
    }
    if (window.EventSource) setTimeout(listen, 30000);
  }
  function listen() {
    if (!window.EventSource) return poll();
    var source = new EventSource("/live/" + cfg.competition + "/stream"), failures = 0;
    source.addEventListener("hello", function () {
      failures = 0;
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
      setConn("live", "live");
      load();
    });
    source.addEventListener("update", function (e) {
      var msg = JSON.parse(e.data);
      if (msg.event_id === cfg.event) load(msg.version);
    });
    source.addEventListener("fallback", function () { source.close(); poll(); });
    source.onerror = function () { if (++failures > 3) { source.close(); poll(); } };
  }
  load();
  listen();
})();
