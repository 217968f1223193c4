/* The driver layer of the big screen's map (loaded by the map iframe only).
 * Each driver with orders awaiting pickup is a dot coloured by how long the
 * oldest order has waited, labelled with the plate, the distance to the
 * station and the wait. Markers are updated in place so that they move
 * smoothly instead of being rebuilt on every poll. */
(function () {
  var MINUTE = 60000;

  function waitMinutes(f) {
    var since = f.properties.oldest_pending_since;
    return since ? Math.max(0, (Date.now() - Date.parse(since)) / MINUTE) : 0;
  }

  function waitClass(minutes) {
    return minutes < 15 ? "wait-fresh" : minutes < 60 ? "wait-medium" : "wait-long";
  }

  var COLOURS = {"wait-fresh": "#22c55e", "wait-medium": "#f59e0b", "wait-long": "#ef4444"};

  function haversineKm(lat1, lng1, lat2, lng2) {
    var rad = Math.PI / 180, dLat = (lat2 - lat1) * rad, dLng = (lng2 - lng1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 6371.0088 * 2 * Math.asin(Math.sqrt(a));
  }

  /* The feed gives distance_km only for a station's screen; on the platform's,
   * measure to the nearest station the driver has an order at. */
  function distanceKm(f) {
    var p = f.properties;
    if (p.distance_km !== null && p.distance_km !== undefined) return p.distance_km;
    if (!f.geometry) return null;
    var lng = f.geometry.coordinates[0], lat = f.geometry.coordinates[1], best = null;
    (p.station_ids || []).forEach(function (id) {
      var s = (window.BF_STATIONS || {})[id];
      if (s) {
        var d = haversineKm(lat, lng, s.lat, s.lng);
        if (best === null || d < best) best = d;
      }
    });
    return best;
  }

  function label(f) {
    var p = f.properties, d = distanceKm(f), m = Math.round(waitMinutes(f));
    var parts = [p.car_plate || p.name];
    if (d !== null) parts.push(d.toFixed(1) + " km");
    parts.push(m < 60 ? m + " min" : Math.floor(m / 60) + " h " + (m % 60) + " min");
    return parts.join(" · ");
  }

  function style(f) {
    var cls = waitClass(waitMinutes(f));
    return {radius: 10, color: "#0f172a", weight: 2, fillColor: COLOURS[cls], fillOpacity: 0.95,
            className: "driver-marker " + cls};
  }

  window.bfDriverMarker = function (f, latlng) {
    var marker = L.circleMarker(latlng, style(f)).bindTooltip(label(f), {
      permanent: true, direction: "right", offset: [12, 0], className: "driver-label"});
    hoverShowsLabel(marker);
    return marker;
  };

  window.bfUpdateDriver = function (f, old) {
    if (!old || !f.geometry) return undefined;  // a new driver: Realtime calls bfDriverMarker
    var c = f.geometry.coordinates;
    old.setLatLng([c[1], c[0]]);
    var s = style(f);
    old.setStyle({fillColor: s.fillColor});
    if (old._path) old._path.setAttribute("class", "leaflet-interactive " + s.className);
    old.setTooltipContent(label(f));
    return old;
  };

  /* Labels never overlap and never leave the map: each label (drivers first, longest wait first, then
   * stations) takes the first side of its marker where it is whole inside the map and clear of the labels
   * placed before it; a label with no such side is hidden and shows while the marker is hovered. */
  var SIDES = [["right", [1, 0]], ["left", [-1, 0]], ["top", [0, -1]], ["bottom", [0, 1]]];

  function hoverShowsLabel(marker) {
    marker.on("mouseover", function () {
      var el = marker.getTooltip() && marker.getTooltip().getElement();
      if (el) el.classList.add("bf-hover");
    });
    marker.on("mouseout", function () {
      var el = marker.getTooltip() && marker.getTooltip().getElement();
      if (el) el.classList.remove("bf-hover");
    });
  }
  window.bfHoverShowsLabel = hoverShowsLabel;

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function inside(r, w, h) {
    return r.left >= 0 && r.top >= 0 && r.right <= w && r.bottom <= h;
  }

  /* Where Leaflet puts a tooltip of size (w, h) on each side of point p, in the map's pixels (plus a
   * margin): computed, not measured, so that laying out every label costs one read of their sizes. */
  function sideRect(side, p, w, h, gap) {
    var m = 3, x, y;
    if (side === "right") { x = p.x + gap; y = p.y - h / 2; }
    else if (side === "left") { x = p.x - gap - w; y = p.y - h / 2; }
    else if (side === "top") { x = p.x - w / 2; y = p.y - gap - h; }
    else { x = p.x - w / 2; y = p.y + gap; }
    return {left: x - m, top: y - m, right: x + w + m, bottom: y + h + m};
  }

  var lastLayout = "";

  function layoutLabels(map, layer) {
    var size = map.getSize(), origin = map.getContainer().getBoundingClientRect(), taken = [];
    var legend = document.querySelector(".bf-legend");
    if (legend) {
      var l = legend.getBoundingClientRect();
      taken.push({left: l.left - origin.left, top: l.top - origin.top, right: l.right - origin.left,
                  bottom: l.bottom - origin.top});
    }
    var drivers = layer ? Object.keys(layer._featureLayers).map(function (id) { return layer._featureLayers[id]; }) : [];
    drivers.sort(function (a, b) { return waitMinutes(b.feature) - waitMinutes(a.feature); });
    var markers = drivers.concat(window.bfStationMarkers || []).filter(function (m) {
      return m.getTooltip() && m.getTooltip().getElement();
    });
    // Reads first (sizes and points), then one write per label: no layout between them.
    var items = markers.map(function (m) {
      var el = m.getTooltip().getElement();
      // A station's square is 30 px wide, a driver's dot 20: the label keeps clear of either.
      return {tooltip: m.getTooltip(), el: el, w: el.offsetWidth, h: el.offsetHeight, gap: m.options.icon ? 18 : 12,
              p: map.latLngToContainerPoint(m.getLatLng())};
    });
    var signature = size.x + "x" + size.y + ":" + items.map(function (i) {
      return Math.round(i.p.x) + "," + Math.round(i.p.y) + "," + i.w;
    }).join(";");
    if (signature === lastLayout) return;
    lastLayout = signature;
    items.forEach(function (item) {  // no label covers a dot or a station's square
      var r = item.gap - 4;  // inside the 3 px margin sideRect keeps, so a label never hides behind its own marker
      taken.push({left: item.p.x - r, top: item.p.y - r, right: item.p.x + r, bottom: item.p.y + r});
    });
    items.forEach(function (item) {
      var chosen = null;
      for (var i = 0; i < SIDES.length && !chosen; i++) {
        var r = sideRect(SIDES[i][0], item.p, item.w, item.h, item.gap);
        if (inside(r, size.x, size.y) && !taken.some(function (t) { return overlaps(r, t); })) {
          chosen = SIDES[i];
          taken.push(r);
        }
      }
      item.el.classList.toggle("bf-collide", !chosen);
      if (chosen && item.tooltip.options.direction !== chosen[0]) {
        item.tooltip.options.direction = chosen[0];
        item.tooltip.options.offset = L.point(chosen[1]).multiplyBy(item.gap);
        item.tooltip.update();
      }
    });
  }

  /* Keep every station and waiting driver in view: when a driver is outside
   * the map, fit the map around all of them again. After a fit everyone is
   * inside with a margin, so the view only moves when a driver drives out of
   * it. Tests read data-drivers. */
  function refit(layer) {
    var map = layer._map;
    // A frame not laid out yet has no size: a fit then zooms in as far as it may. Its resize refits.
    if (!map || map.getSize().x < 50 || map.getSize().y < 50) return;
    // Near the edge counts as outside: a dot half out of the frame is as bad as one beyond it.
    var view = map.getBounds().pad(-0.04), bounds = L.latLngBounds([]), outside = !layer.bfFitted;
    Object.keys(window.BF_STATIONS || {}).forEach(function (id) {
      var s = window.BF_STATIONS[id];
      bounds.extend([s.lat, s.lng]);
    });
    Object.keys(layer._featureLayers).forEach(function (id) {
      var ll = layer._featureLayers[id].getLatLng();
      bounds.extend(ll);
      if (!view.contains(ll)) outside = true;
    });
    if (Object.keys(layer._featureLayers).length) layer.bfFitted = true;  // the first drivers: fit once anyway
    if (outside && bounds.isValid()) {
      map.fitBounds(bounds, {padding: [40, 40], maxZoom: 14, animate: false});
    }
  }

  /* A clear state instead of a dark void: tiles that do not load, a feed that fails, nobody waiting. */
  function note(kind, text) {
    var el = document.getElementById("bf-note-" + kind);
    if (el) {
      el.textContent = text || "";
      el.hidden = !text;
    }
  }

  window.bfWatch = function (layer, tiles) {
    var map = layer._map, loaded = 0, failed = 0;
    if (tiles) {
      tiles.on("tileload", function () { loaded += 1; note("tiles", ""); document.body.classList.remove("bf-no-tiles"); });
      tiles.on("tileerror", function () {
        failed += 1;
        if (!loaded) {
          document.body.classList.add("bf-no-tiles");
          note("tiles", "底图不可用 Map tiles unavailable · 站点与司机位置照常显示 stations and drivers still shown");
        }
      });
    }
    layer.on("error", function () { note("feed", "实时位置暂不可用 Live positions unavailable · 显示最后位置 showing the last ones"); });
    layer.on("update", function (e) {
      var ids = Object.keys(layer._featureLayers);
      note("feed", "");
      note("empty", ids.length ? "" : "暂无待取货司机 No driver is waiting for a pickup");
      document.body.setAttribute("data-drivers", ids.sort().join(","));
      document.body.setAttribute("data-updates", String(Number(document.body.getAttribute("data-updates") || 0) + 1));
      refit(layer);
      layoutLabels(layer._map, layer);
    });
    if (map) {
      map.on("zoomend moveend", function () { layoutLabels(map, layer); });
      map.on("resize", function () { refit(layer); layoutLabels(map, layer); });
      // Leaflet measures its frame once and again only on a window resize; a frame that gets its size from
      // late CSS (a loaded machine) would keep a stale size, and every fit would be made for the wrong box.
      if (window.ResizeObserver) new ResizeObserver(function () { map.invalidateSize({pan: false}); }).observe(map.getContainer());
      layoutLabels(map, layer);
    }
  };
})();
