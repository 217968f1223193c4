"""``/console`` and its sub-pages: the station manager's console (layouts in ``dashboard.console``)."""
from __future__ import annotations

import dash

from dashboard.console import ads, alerts, desk, devices, orders, reports

dash.register_page(__name__, path="/console", title="BuyFree · 控制台 Console", layout=desk.layout)
dash.register_page(__name__ + ".orders", path="/console/orders", title="BuyFree · 订单 Orders",
                   layout=orders.layout)
dash.register_page(__name__ + ".alerts", path="/console/alerts", title="BuyFree · 预警 Alerts",
                   layout=alerts.layout)
dash.register_page(__name__ + ".devices", path="/console/devices", title="BuyFree · 设备 Devices",
                   layout=devices.layout)
dash.register_page(__name__ + ".reports", path="/console/reports", title="BuyFree · 报表 Reports",
                   layout=reports.layout)
dash.register_page(__name__ + ".ads", path="/console/ads", title="BuyFree · 广告 Ads", layout=ads.layout)
