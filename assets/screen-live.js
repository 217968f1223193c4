/* The wall drawn from the live stream (dashboard/screen/live.py registers these as clientside
 * callbacks): the stream's payloads (API.md "Live stream") become the same DOM the refresh
 * callbacks draw (dashboard/screen/views.py), in the browser, with no request per event. */
(function () {
  var ns = window.dash_clientside = window.dash_clientside || {};
  var NO = function () { return ns.no_update; };

  function money(fen) {
    fen = Math.round(Number(fen || 0));
    var sign = fen < 0 ? "-" : "", abs = Math.abs(fen);
    var yuan = Math.floor(abs / 100), cents = abs % 100;
    return sign + "¥" + yuan.toLocaleString("en-US") + "." + (cents < 10 ? "0" : "") + cents;
  }
  function moneyShort(fen) {
    var yuan = Number(fen || 0) / 100, abs = Math.abs(yuan);
    if (abs >= 1e6) return "¥" + (yuan / 1e6).toFixed(1) + "M";
    if (abs >= 1e4) return "¥" + (yuan / 1000).toFixed(1) + "k";
    return "¥" + Math.round(yuan).toLocaleString("en-US");
  }
  function count(n) { return Math.round(Number(n || 0)).toLocaleString("en-US"); }
  function hhmm(iso) { return iso ? String(iso).slice(11, 16) : ""; }  // times come in the business zone
  function el(type, props, children) {
    var p = Object.assign({}, props || {});
    if (children !== undefined) p.children = children;
    return {namespace: "dash_html_components", type: type, props: p};
  }
  function empty(text) { return [el("Li", {className: "empty", key: "empty"}, text || "暂无数据 No sales yet")]; }
  function bar(amount, top) { return el("Span", {className: "rank-bar", style: {width: (100 * amount / top).toFixed(1) + "%"}}); }
  function sizeClass(text) { return "kpi-value" + (text.length > 14 ? " longer" : text.length > 11 ? " long" : ""); }
  // A number that changed replays a short highlight: the two names alternate so the animation restarts.
  function bump(cls, before, after) {
    if (before === after || before === undefined || before === "—") return cls;
    return cls + (Math.random() < 0.5 ? " changed-a" : " changed-b");
  }

  function products(items) {
    if (!items || !items.length) return empty();
    var top = Math.max.apply(null, items.map(function (i) { return i.amount_cents; })) || 1;
    return items.slice(0, 8).map(function (i) {
      return el("Li", {key: "p" + i.product_id, className: "rank-row"}, [
        el("Span", {className: "rank-no"}, String(i.rank)),
        el("Span", {className: "rank-name", title: i.sku || ""}, i.name),
        el("Span", {className: "rank-units"}, count(i.units) + " 件"),
        el("Span", {className: "rank-amount"}, money(i.amount_cents)), bar(i.amount_cents, top)]);
    });
  }
  function stations(items, limit) {
    if (!items || !items.length) return empty();
    var top = Math.max.apply(null, items.map(function (i) { return i.amount_cents; })) || 1;
    return items.slice(0, limit).map(function (i) {
      return el("Li", {key: "s" + i.station_id, className: "rank-row"}, [
        el("Span", {className: "rank-no"}, String(i.rank)), el("Span", {className: "rank-name"}, i.name),
        el("Span", {className: "rank-units"}, count(i.orders) + " 单"),
        el("Span", {className: "rank-amount"}, money(i.amount_cents)), bar(i.amount_cents, top)]);
    });
  }
  function ads(items) {
    var head = el("Thead", {}, el("Tr", {}, ["广告 Ad", "播放 Plays", "完成 Done", "收入 Revenue"].map(function (t) {
      return el("Th", {}, t); })));
    if (!items || !items.length) {
      return [head, el("Tbody", {}, el("Tr", {}, el("Td", {colSpan: 4, className: "empty"}, "暂无播放 No plays yet")))];
    }
    return [head, el("Tbody", {}, items.map(function (i) {
      var ratio = Number(i.completion_ratio || 0);
      return el("Tr", {key: "a" + i.ad_id}, [
        el("Td", {className: "ad-title", title: i.advertiser || ""}, i.title),
        el("Td", {className: "num"}, count(i.plays)),
        el("Td", {className: "num"}, [el("Span", {}, (ratio * 100).toFixed(1) + "%"),
          el("Span", {className: "meter"}, el("Span", {style: {width: (Math.min(ratio, 1) * 100).toFixed(1) + "%"}}))]),
        el("Td", {className: "num"}, money(i.revenue_cents))]);
    }))];
  }
  function keysOf(children) {
    return (Array.isArray(children) ? children : []).map(function (c) { return c && c.props && c.props.key; })
      .filter(function (k) { return k && k !== "empty"; });
  }
  function ticker(items, shownBefore) {
    if (!items || !items.length) {
      return [el("Span", {className: "tick empty", key: "empty"}, "等待第一笔成交 Waiting for the first sale…")];
    }
    return items.map(function (i) {
      var who = i.car_plate || i.driver_name || "", where = i.station_name || "";
      var text = [hhmm(i.occurred_at || i.created_at), i.kind === "wholesale" ? "补货" : "零售", who, where,
                  money(i.total_cents)].filter(Boolean).join(" · ");
      var key = String(i.id || text), isNew = shownBefore.length && shownBefore.indexOf(key) < 0;
      return el("Span", {className: isNew ? "tick new" : "tick", key: key}, text);
    });
  }
  function queue(features) {
    if (!features || !features.length) return [el("Li", {className: "empty", key: "empty"}, "暂无待取货 Nobody is waiting")];
    var rows = features.slice().sort(function (a, b) {
      var x = a.properties.oldest_pending_since || "", y = b.properties.oldest_pending_since || "";
      return x < y ? -1 : x > y ? 1 : a.properties.driver_id - b.properties.driver_id;
    });
    // Numbered by place in the queue; the order count beside the plate. The one drawing of the queue:
    // the first load and the fallback poll send the feed too (dashboard/screen/callbacks.py, QUEUE_FEED).
    return rows.slice(0, 5).map(function (f, place) {
      var p = f.properties, d = p.distance_km;
      var where = d === null || d === undefined ? "—" : d.toFixed(1) + " km";
      return el("Li", {key: "q" + p.driver_id, className: "rank-row queue-row"}, [
        el("Span", {className: "rank-no", title: "place in the queue"}, String(place + 1)),
        el("Span", {className: "rank-name"}, p.car_plate || p.name),
        el("Span", {className: "rank-units"}, count(p.pending_orders) + " 单 · " + where),
        el("Span", {className: "rank-amount"}, "since " + hhmm(p.oldest_pending_since))]);
    });
  }
  function mapLayer() {
    var frame = document.getElementById("driver-map");
    try { return frame && frame.contentWindow && frame.contentWindow.bfDrivers; } catch (e) { return null; }
  }

  ns.bfScreen = {
    status: function (status, refreshMs, ticks) {
      var state = (status || {}).state;
      var layer = mapLayer();
      if (state === "live") {
        if (layer && layer.isRunning && layer.isRunning()) layer.stop();
        return [true, refreshMs, NO(), "", "status status-ok"];
      }
      if (state === "reconnecting") {  // the slow poll takes over at once (it says why); the map polls again
        if (layer && layer.isRunning && !layer.isRunning()) layer.start();
        return [false, Math.max(refreshMs, 10000), (ticks || 0) + 1, "实时连接中断，重新连接中 Reconnecting…",
                "status status-down"];
      }
      return [false, refreshMs, NO(), NO(), NO()];
    },
    figures: function (figures) {
      var shown = Array.prototype.slice.call(arguments, 1, 6), chart = arguments[6];
      if (!figures) return Array(15).fill(NO());
      var s = figures.summary, keys = ["today", "week", "month", "year", "total"];
      var texts = keys.map(function (k) { return money(s[k].amount_cents); });
      var classes = texts.map(function (t, i) { return bump(sizeClass(t), shown[i], t); });
      var fleet = figures.fleet ? count(figures.fleet.devices_online) + " / " + count(figures.fleet.devices_total) : NO();
      var active = figures.fleet ? count(figures.fleet.active_drivers) : NO();
      var fig = NO();
      if (chart && chart.data) {
        var points = figures.series.points, trace = chart.data[0];
        var x = points.map(function (p) { return p.date.slice(5); });
        var y = points.map(function (p) { return p.amount_cents / 100; });
        var text = points.map(function (p) { return p.amount_cents ? moneyShort(p.amount_cents) : ""; });
        // Most events leave the 7 days' bars as they are: redrawing plotly for them is the wall's longest task.
        if (JSON.stringify([x, y, text]) !== JSON.stringify([trace.x, trace.y, trace.text])) {
          fig = JSON.parse(JSON.stringify(chart));
          fig.data[0].x = x; fig.data[0].y = y; fig.data[0].text = text;
        }
      }
      return texts.concat([count(s.today.orders), fleet, active, String(figures.as_of).slice(11, 19)], classes, [fig]);
    },
    retail: function (figures) {
      var r = (figures || {}).retail;
      if (!r) return Array(5).fill(NO());
      return ["today", "week", "month", "year", "total"].map(function (k) { return money(r[k].amount_cents); });
    },
    lists: function (figures, period) {
      if (!figures) return [NO(), NO(), NO()];
      var station = figures.scope !== "platform";
      return [products((figures.products[period || "day"] || {}).items),
              stations(figures.stations.items, station ? 100 : 7), ads(figures.ads.items)];
    },
    queueFeed: function (feed) { return feed ? queue(feed.features) : NO(); },
    sales: function (sales, children) { return ticker((sales || {}).items, keysOf(children)); },
    drivers: function (feed, station) {
      var layer = mapLayer();
      if (layer && feed) {
        if (layer.isRunning && layer.isRunning()) layer.stop();
        layer.update(feed);
      }
      if (!station || !feed) return [NO(), NO(), NO()];
      var pending = feed.features.reduce(function (n, f) { return n + f.properties.pending_orders; }, 0);
      return [queue(feed.features), count(pending), count(feed.features.length)];
    }
  };
})();
