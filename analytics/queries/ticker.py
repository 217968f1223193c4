"""The newest sales for the screen's ticker (the apply pushes them, newest first)."""
from __future__ import annotations

import json

from analytics import keys
from analytics.catalogue import labels
from analytics.queries.common import check_limit


def latest_sales(store, limit: int = 10, station_id: int | None = None) -> dict:
    check_limit(limit)
    scope = keys.PLATFORM if station_id is None else keys.station(station_id)
    items = [json.loads(raw) for raw in store.redis.lrange(keys.recent_sales(scope), 0, limit - 1)]
    drivers = labels.get(store, "drivers", [i["driver_id"] for i in items])
    stations = labels.get(store, "stations", [i["station_id"] for i in items if i.get("station_id")])
    for item in items:
        driver = drivers.get(item["driver_id"], {})
        item["driver_name"], item["car_plate"] = driver.get("name"), driver.get("car_plate")
        if item.get("station_id"):
            item["station_name"] = stations.get(item["station_id"], {}).get("name")
    return {"items": items}
