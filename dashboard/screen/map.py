"""The live map document: stations drawn once, drivers moved by folium's ``Realtime`` layer.

Every script and style comes from our own ``/assets`` (Leaflet vendored under
``assets/vendor``): a wall on an intranet has no CDN. Only the tiles come from
``BUYFREE_MAP_TILES``.
"""
from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from jinja2 import Template
from folium import JsCode
from folium.plugins import Realtime
from sqlalchemy import select

from store.models import Station

LEAFLET_JS = [("leaflet", "/assets/vendor/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", "/assets/vendor/leaflet/leaflet.css"), ("bf_map_css", "/assets/map/map.css")]
REALTIME_JS = [("leaflet_realtime", "/assets/vendor/leaflet-realtime/leaflet-realtime.min.js"),
               ("bf_driver_layer", "/assets/map/driver-layer.js")]
SHANGHAI = (31.2304, 121.4737)  # where an empty platform's map looks, until it has stations
DRIVER_POLL_MS = 2000

LEGEND = """
<div class="bf-legend" role="note" aria-label="图例 Legend">
  <div class="bf-legend-title">司机等待 Driver waiting</div>
  <div><span class="dot wait-fresh"></span>&lt; 15 min</div>
  <div><span class="dot wait-medium"></span>15–60 min</div>
  <div><span class="dot wait-long"></span>&gt; 1 h</div>
  <div><span class="bf-station bf-station-key">站</span>补给站 Station</div>
</div>
<div class="bf-notes" role="status">
  <div id="bf-note-tiles" class="bf-note" hidden></div>
  <div id="bf-note-feed" class="bf-note" hidden></div>
  <div id="bf-note-empty" class="bf-note bf-note-quiet" hidden></div>
</div>
"""
# Stations are squares marked 站, drivers round dots: told apart by shape from across the room, not by colour alone.
STATION_ICON = '<div class="bf-station">站</div>'


class _Watch(MacroElement):
    """Names the driver layer ``window.bfDrivers`` and the station markers (after they exist), then hands
    them and the tile layer to ``bfWatch`` (labels, notes, the update count tests read)."""
    _template = Template("{% macro script(this, kwargs) %}"
                         "window.bfDrivers = {{ this.layer.get_name() }};"
                         "window.bfStationMarkers = [{{ this.stations|join(', ') }}];"
                         "window.bfStationMarkers.forEach(bfHoverShowsLabel);"
                         "bfWatch(window.bfDrivers, {{ this.tiles.get_name() }});"
                         "{% endmacro %}")

    def __init__(self, layer, tiles, stations):
        super().__init__()
        self.layer, self.tiles, self.stations = layer, tiles, [m.get_name() for m in stations]


def _stations(store, station_id: int | None) -> list[Station]:
    with store.sessions() as session:
        query = select(Station).order_by(Station.id)
        if station_id is not None:
            query = query.where(Station.id == station_id)
        return list(session.scalars(query))


def _tiles(settings) -> folium.TileLayer:
    tiles = settings.map_tiles
    if "{z}" in tiles:  # a URL template, e.g. an intranet tile server
        return folium.TileLayer(tiles, attr=settings.map_attribution or "Map tiles", name="tiles",
                                class_name="bf-tiles")
    return folium.TileLayer(tiles, name="tiles", class_name="bf-tiles")


def build_map(store, scope) -> folium.Map:
    stations = _stations(store, scope.station_id)
    centre = (stations[0].lat, stations[0].lng) if len(stations) == 1 else SHANGHAI
    fmap = folium.Map(location=centre, zoom_start=13 if scope.station_id else 11, tiles=None,
                      zoom_control=False, attribution_control=True, prefer_canvas=False,
                      zoom_snap=0.25,  # fit the stations snugly, not to the next whole zoom level
                      # Views change at once: an animated fit waits for the frame's next paint, which on a busy
                      # machine came after the first drivers' fit and put the stations' view back over it.
                      zoom_animation=False)
    fmap.default_js, fmap.default_css = LEAFLET_JS, LEAFLET_CSS
    tiles = _tiles(store.settings).add_to(fmap)
    markers = []
    for station in stations:
        markers.append(folium.Marker(
            (station.lat, station.lng),
            icon=folium.DivIcon(html=STATION_ICON, icon_size=(30, 30), icon_anchor=(15, 15), class_name="station-marker"),
            # The name's first word (the Chinese one in the demo) keeps a dozen labels short.
            tooltip=folium.Tooltip(station.name.split(" ")[0] if len(stations) > 1 else station.name,
                                   permanent=True, direction="right", class_name="station-label",
                                   offset=(18, 0)),
        ).add_to(fmap))
    if len(stations) > 1:
        fmap.fit_bounds([[min(s.lat for s in stations), min(s.lng for s in stations)],
                         [max(s.lat for s in stations), max(s.lng for s in stations)]], padding=(40, 40))
    known = {s.id: {"name": s.name, "lat": s.lat, "lng": s.lng} for s in stations}
    # driver-layer.js reads these: station positions give a distance when the feed has none.
    fmap.get_root().header.add_child(folium.Element(
        f"<script>window.BF_STATIONS = {json.dumps(known, ensure_ascii=False)};"
        f" window.BF_STATION_ID = {json.dumps(scope.station_id)};</script>"))
    layer = Realtime(
        f"{scope.base_url}/drivers.json", interval=DRIVER_POLL_MS, remove_missing=True,
        get_feature_id=JsCode("(f) => f.properties.driver_id"),
        point_to_layer=JsCode("(f, latlng) => bfDriverMarker(f, latlng)"),
        update_feature=JsCode("(f, old) => bfUpdateDriver(f, old)"),
    )
    layer.default_js = REALTIME_JS
    layer.add_to(fmap)
    _Watch(layer, tiles, markers).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(LEGEND))
    return fmap


def render_map(store, scope) -> str:
    root = build_map(store, scope).get_root()
    root.title = f"BuyFree · 地图 Map · {scope.label}"
    # Bilingual like the wall that frames it (axe: a document names its language).
    return root.render().replace("<html>", '<html lang="zh-CN">', 1)
