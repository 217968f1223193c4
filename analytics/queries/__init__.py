"""The live queries (docs/internals.md): each returns API.md's JSON shape, read from Redis
(and Postgres where the truth is a small indexed read: awaiting orders, devices)."""
from analytics.queries.figures import daily_series, summary
from analytics.queries.fleet import active_drivers, device_counts, devices_page, driver_streak
from analytics.queries.places import screen_drivers, stations_nearby
from analytics.queries.ads import forget_playlist, fresh_playlist, playlist, plays_by_creative
from analytics.queries.restock import device_restock
from analytics.queries.rankings import ad_stats, driver_ranking, product_ranking, station_ranking
from analytics.queries.screen import screen_figures, screen_map
from analytics.queries.search import products_search
from analytics.queries.ticker import latest_sales

__all__ = ["active_drivers", "ad_stats", "daily_series", "device_counts", "device_restock", "devices_page",
           "driver_ranking", "driver_streak", "forget_playlist", "fresh_playlist", "latest_sales", "playlist",
           "plays_by_creative", "product_ranking", "products_search", "screen_drivers", "screen_figures", "screen_map",
           "station_ranking", "stations_nearby", "summary"]
