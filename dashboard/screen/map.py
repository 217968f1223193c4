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
<div class="bf-legend">
  <div><span class="dot wait-fresh"></span>&lt; 15 min</div>
  <div><span class="dot wait-medium"></span>15–60 min</div>
  <div><span class="dot wait-long"></span>&gt; 1 h</div>
  <div><span class="dot station"></span>补给站 Station</div>
</div>
"""


class _Watch(MacroElement):
    """Names the driver layer ``window.bfDrivers`` (after it exists) and counts its updates."""
    _template = Template("{% macro script(this, kwargs) %}"
                         "window.bfDrivers = {{ this.layer.get_name() }}; bfWatch(window.bfDrivers);"
                         "{% endmacro %}")

    def __init__(self, layer):
        super().__init__()
        self.layer = layer


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
                      zoom_snap=0.25)  # fit the stations snugly, not to the next whole zoom level
    fmap.default_js, fmap.default_css = LEAFLET_JS, LEAFLET_CSS
    _tiles(store.settings).add_to(fmap)
    for station in stations:
        folium.CircleMarker(
            (station.lat, station.lng), radius=9, color="#38bdf8", weight=3, fill=True, fill_color="#0c4a6e",
            fill_opacity=0.9, class_name="station-marker",
            # The name's first word (the Chinese one in the demo) keeps a dozen labels apart.
            tooltip=folium.Tooltip(station.name.split(" ")[0] if len(stations) > 1 else station.name,
                                   permanent=True, direction="top", class_name="station-label"),
        ).add_to(fmap)
    if len(stations) > 1:
        fmap.fit_bounds([[min(s.lat for s in stations), min(s.lng for s in stations)],
                         [max(s.lat for s in stations), max(s.lng for s in stations)]], padding=(24, 24))
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
    _Watch(layer).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(LEGEND))
    return fmap


def render_map(store, scope) -> str:
    return build_map(store, scope).get_root().render()
