/* Alerts from the live stream (assets/live.js): the wall's strip (a clientside callback of
 * dashboard/screen/alerts.py) and the console's menu badge (dashboard/console/shell.py).
 *
 * Both start from the server's list of unresolved alerts and the newest event id before it was
 * read (its watermark), then apply each stream "alert" message of a later event: opened adds the
 * alert, resolved removes it, acknowledged keeps it (both count what is unresolved). Applying is
 * keyed by alert id, so a message seen twice changes nothing. No request per alert. */
(function () {
  var ns = window.dash_clientside = window.dash_clientside || {};
  var NO = function () { return ns.no_update; };
  var ORDER = ["critical", "warning", "info"];

  // A list of unresolved alerts (newest first) kept up to date by messages after a watermark.
  function Tracker() { this.stamp = null; this.items = []; this.watermark = 0; this.applied = {}; }
  Tracker.prototype.reset = function (state) {
    this.stamp = state.stamp;
    this.items = (state.items || []).slice();
    this.watermark = state.watermark || 0;
    this.applied = {};
  };
  Tracker.prototype.apply = function (m) {
    if (!m || m.id <= this.watermark || this.applied[m.id]) return false;
    this.applied[m.id] = true;
    var at = -1;
    for (var i = 0; i < this.items.length; i++) if (this.items[i].alert_id === m.alert_id) at = i;
    if (m.status === "resolved") {
      if (at >= 0) this.items.splice(at, 1);
    } else if (at < 0 && m.status === "opened") {
      this.items.push({alert_id: m.alert_id, alert_kind: m.alert_kind, severity: m.severity, subject: m.subject,
                       opened_at: m.opened_at});
      this.items.sort(function (a, b) { return b.alert_id - a.alert_id; });
    }
    return true;
  };
  Tracker.prototype.counts = function () {
    var counts = {};
    this.items.forEach(function (a) { counts[a.severity] = (counts[a.severity] || 0) + 1; });
    return counts;
  };

  function el(type, props, children) {
    var p = Object.assign({}, props || {});
    if (children !== undefined) p.children = children;
    return {namespace: "dash_html_components", type: type, props: p};
  }

  var wall = new Tracker();
  ns.bfAlerts = {
    // The wall's strip: [children, hidden]; the same drawing as the server's strip used to make.
    strip: function (state, live) {
      if (!state) return [NO(), NO()];
      if (state.stamp !== wall.stamp) wall.reset(state);
      ((live || {}).items || []).slice().reverse().forEach(function (m) { wall.apply(m); });  // oldest first
      if (!wall.items.length) return [[], true];
      var labels = state.labels || {}, counts = wall.counts(), short = labels.short || {};
      var badges = (labels.severities || []).filter(function (s) { return counts[s[0]]; }).map(function (s) {
        return el("Span", {className: "alert-count alert-" + s[0]}, counts[s[0]] + " " + s[1]);
      });
      var shown = wall.items.slice(0, labels.newest || 3).map(function (a) {
        return el("Span", {className: "alert-item alert-" + a.severity, key: "a" + a.alert_id},
                  a.subject.type + " #" + a.subject.id + " " + (short[a.alert_kind] || a.alert_kind) + " " +
                  String(a.opened_at || "").slice(11, 16));
      });
      return [badges.concat(shown), false];
    }
  };

  // The console's badge: plain DOM (it is drawn once with the page's menu, never by a callback).
  function badge(message) {
    var node = document.getElementById("alerts-badge");
    if (!node) return;
    if (!node.bfTracker) {
      node.bfTracker = new Tracker();
      node.bfTracker.reset(JSON.parse(node.getAttribute("data-alerts") || "{}"));
    }
    if (!node.bfTracker.apply(message)) return;
    var counts = node.bfTracker.counts(), total = node.bfTracker.items.length;
    var worst = ORDER.filter(function (s) { return counts[s]; })[0] || "info";
    node.textContent = String(total);
    node.className = "c-badge c-sev-" + worst;
    node.title = total + " 条未解决预警 open alerts";
    node.hidden = !total;
    node.setAttribute("data-count", String(total));  // tests read it
  }
  // live.js dispatches its events on the stream's marker, without bubbling: caught on the way down.
  document.addEventListener("bf-live", function (e) {
    if (e.detail && e.detail.name === "alert") badge(e.detail.data);
  }, true);
})();
