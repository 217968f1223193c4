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
    return L.circleMarker(latlng, style(f)).bindTooltip(label(f), {
      permanent: true, direction: "right", offset: [10, 0], className: "driver-label"});
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

  /* Keep every station and waiting driver in view: when a driver is outside
   * the map, fit the map around all of them again. After a fit everyone is
   * inside with a margin, so the view only moves when a driver drives out of
   * it. Tests read data-drivers. */
  function refit(layer) {
    var map = layer._map;
    if (!map) return;
    var view = map.getBounds(), bounds = L.latLngBounds([]), outside = false;
    Object.keys(window.BF_STATIONS || {}).forEach(function (id) {
      var s = window.BF_STATIONS[id];
      bounds.extend([s.lat, s.lng]);
    });
    Object.keys(layer._featureLayers).forEach(function (id) {
      var ll = layer._featureLayers[id].getLatLng();
      bounds.extend(ll);
      if (!view.contains(ll)) outside = true;
    });
    if (outside && bounds.isValid()) {
      // Labels sit to the right of their dots: leave them room on that side.
      map.fitBounds(bounds, {paddingTopLeft: [30, 30], paddingBottomRight: [240, 30], maxZoom: 14, animate: false});
    }
  }

  window.bfWatch = function (layer) {
    layer.on("update", function (e) {
      var ids = Object.keys(e.features);
      document.body.setAttribute("data-drivers", ids.sort().join(","));
      document.body.setAttribute("data-updates", String(Number(document.body.getAttribute("data-updates") || 0) + 1));
      refit(layer);
    });
  };
})();
