/* Live screens: one EventSource per page on /api/v1/stream (API.md "Live stream").
 *
 * A page opts in with an element carrying data-stream-url (the stream, same origin) and
 * data-stream-targets (JSON: Dash store ids for "figures", "sales", "drivers", "alert",
 * "status"). Each event lands in its store through dash_clientside.set_props, and the page's
 * clientside callbacks draw from the stores: no request to the server per event. The ticker's
 * lines are kept here, newest first, de-duplicated by id (a reconnect sends them again).
 * When the stream drops, "status" says "reconnecting" (the page shows it and polls slowly)
 * and a new stream is opened after 1, 2, 4 ... 30 s; the browser's own retry is not used,
 * since it gives up for good on a refused reply (a revoked link, a restart's 503). */
(function () {
  var FIRST_WAIT = 1000, LONGEST_WAIT = 30000, TICKER = 12;
  var EVENTS = ["figures", "sale", "drivers", "alert"];

  function setStore(id, value) {
    if (id && window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, {data: value});
    }
  }

  function watch(el) {
    var url = el.getAttribute("data-stream-url");
    var targets = JSON.parse(el.getAttribute("data-stream-targets") || "{}");
    var source = null, wait = FIRST_WAIT, lines = [], alerts = [];

    function status(state) {
      el.setAttribute("data-stream-state", state);  // tests and CSS read it too
      setStore(targets.status, {state: state, at: Date.now()});
    }

    var handlers = {
      figures: function (data) { setStore(targets.figures, data); },
      drivers: function (data) { setStore(targets.drivers, data); },
      sale: function (line) {
        if (lines.some(function (known) { return known.id === line.id; })) return;
        lines = [line].concat(lines).slice(0, TICKER);
        setStore(targets.sales, {items: lines});
      },
      alert: function (message) {
        alerts = [message].concat(alerts).slice(0, 50);
        setStore(targets.alert, {items: alerts});
      }
    };

    function open() {
      if (!document.body.contains(el)) return;  // the page went away (Dash page change)
      source = new EventSource(url, {withCredentials: true});
      source.onopen = function () { wait = FIRST_WAIT; status("live"); };
      EVENTS.forEach(function (name) {
        source.addEventListener(name, function (e) {
          var data = JSON.parse(e.data);
          handlers[name](data);
          // Also as a DOM event on the marker, for scripts that are not Dash callbacks (and tests).
          el.dispatchEvent(new CustomEvent("bf-live", {detail: {name: name, id: e.lastEventId, data: data}}));
        });
      });
      source.onerror = function () {
        source.close();
        status("reconnecting");
        setTimeout(open, wait);
        wait = Math.min(wait * 2, LONGEST_WAIT);
      };
    }

    status("connecting");
    open();
  }

  // Dash draws its layout after the scripts have loaded (and again on a page change): start
  // each marked element once, when it appears.
  var started = typeof WeakSet === "function" ? new WeakSet() : null;
  function scan() {
    var found = document.querySelectorAll("[data-stream-url]");
    for (var i = 0; i < found.length; i++) {
      if (started && !started.has(found[i])) {
        started.add(found[i]);
        watch(found[i]);
      }
    }
  }
  new MutationObserver(scan).observe(document.documentElement, {childList: true, subtree: true});
  scan();
})();
