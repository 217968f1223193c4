"""DOM ids of the console pages (tests and the browser look for them)."""
# desk (/console)
DESK_STATION = "desk-station"
KPI_AMOUNT, KPI_ORDERS, KPI_AWAITING, KPI_PICKED = ("console-kpi-amount", "console-kpi-orders",
                                                    "console-kpi-awaiting", "console-kpi-picked")
SALES_7D = "console-sales-7d"
HOT_SELLERS = "console-hot-sellers"
QUEUE = "console-queue"
QUEUE_COUNT = "console-queue-count"
ACTION = "console-action"
ACTION_STATUS = "console-action-status"
TICK = "console-tick"
UPDATED = "console-updated"
LIVE, LIVE_STATUS, LIVE_STATE = "console-live", "console-live-status", "console-live-state"  # the desk's stream
PICKUP, CANCEL = "console-pickup", "console-cancel"  # pattern ids {"type": ..., "order": id}
# orders (/console/orders)
ORDERS_STATION, ORDERS_KIND, ORDERS_STATUS, ORDERS_DATES = ("orders-station", "orders-kind", "orders-status",
                                                            "orders-dates")
ORDERS_TABLE, ORDERS_PAGE, ORDERS_PAGER, ORDERS_PREV, ORDERS_NEXT = ("orders-table", "orders-page", "orders-pager",
                                                                     "orders-prev", "orders-next")
# devices (/console/devices)
DEVICES_GRID, DEVICES_ACTIVATED, DEVICES_ONLINE, DEVICES_STOCK, DEVICES_COUNT = (
    "devices-grid", "devices-activated", "devices-online", "devices-stock", "devices-count")
# reports (/console/reports)
REPORT_KIND, REPORT_DATES, REPORT_GROUPS, REPORT_STATION, REPORT_BOM = (
    "report-kind", "report-dates", "report-groups", "report-station", "report-bom")
REPORT_SALES_LINK, REPORT_ORDERS_LINK, REPORT_ERROR = "report-sales-link", "report-orders-link", "report-error"
# ads (/console/ads)
ADS_TABLE, AD_DETAIL, AD_CREATIVES = "ads-table", "ad-detail", "ad-creatives"
CREATIVE_FILE, CREATIVE_FILE_SLOT, CREATIVE_UPLOAD, CREATIVE_PROGRESS, CREATIVE_STATUS = (
    "creative-file", "creative-file-slot", "creative-upload", "creative-progress", "creative-status")
REPORT_PREVIEW = "report-preview"
# alerts (/console/alerts) and the menu's badge
ALERTS_TABLE, ALERTS_COUNT, ALERTS_STATUS, ALERTS_BADGE = "alerts-table", "alerts-count", "alerts-status", "alerts-badge"
ALERTS_LIVE = "alerts-live"  # the page's stream: an alert message or a reconnect -> the list is read again
ALERT_ACK = "alert-ack"  # pattern id {"type": ..., "alert": id}
# the restock suggestions beside a device's stock (/console/devices)
DEVICES_RESTOCK = "devices-restock"
# refunds on /console/orders (admins): a row's button opens the panel; a confirm dialog sends it
REFUND_OPEN = "refund-open"  # pattern id {"type": REFUND_OPEN, "purchase": id}
REFUND_PANEL, REFUND_TARGET, REFUND_AMOUNT, REFUND_REASON, REFUND_SEND, REFUND_CANCEL = (
    "refund-panel", "refund-target", "refund-amount", "refund-reason", "refund-send", "refund-cancel")
REFUND_CONFIRM, REFUND_STATUS, REFUND_DONE, REFUND_LABEL = ("refund-confirm", "refund-status", "refund-done",
                                                            "refund-label")
