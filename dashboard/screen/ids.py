"""DOM ids of the big screen. The ``kpi-*``, chart, ranking, map and ``last-updated``
ids are fixed by API.md ("Pages"): walls and tests look for them."""
KPI_TODAY, KPI_WEEK, KPI_MONTH, KPI_YEAR, KPI_TOTAL = "kpi-today", "kpi-week", "kpi-month", "kpi-year", "kpi-total"
KPI_ORDERS, KPI_FLEET, KPI_ACTIVE = "kpi-orders", "kpi-fleet", "kpi-active"
SALES_7D = "sales-7d"
HOT_SELLERS, HOT_PERIOD = "hot-sellers", "hot-period"
STATION_RANKING = "station-ranking"
PICKUP_QUEUE = "pickup-queue"  # a station's screen: who is coming to pick up, longest wait first
QUEUE_FEED = "pickup-queue-feed"  # the polled drivers feed the queue is drawn from (assets/screen-live.js)
AD_STATS = "ad-stats"
DRIVER_MAP = "driver-map"
LAST_UPDATED = "last-updated"
TICKER = "sales-ticker"
STATUS = "screen-status"
SCOPE_LABEL = "screen-scope"
CONTEXT = "screen-context"
TICK = "screen-tick"
RETAIL_TODAY, RETAIL_WEEK, RETAIL_MONTH, RETAIL_YEAR, RETAIL_TOTAL = (
    "retail-today", "retail-week", "retail-month", "retail-year", "retail-total")  # passenger sales under each tile
ROTATE = "screen-rotate"  # a kiosk's clock for turning the hot sellers' period
LIVE_STATUS = "screen-live-status"  # the stream's state (assets/live.js): connecting | live | reconnecting
LIVE_ALERTS = "screen-live-alerts"  # the stream's alert messages (assets/live.js)
STRIP_STATE = "alert-strip-state"  # the strip's unresolved alerts, kept by the stream's messages
SHOWN = "screen-shown"  # digests of what each slot shows (dashboard.screen.changes)
