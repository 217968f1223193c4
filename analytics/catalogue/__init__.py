"""The catalogue in Redis: ``index`` (stations on the map, product names for search) and
``labels`` (names for the rankings, cached from Postgres)."""
