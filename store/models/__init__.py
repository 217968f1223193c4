"""SQLAlchemy 2 typed models; ``Base.metadata`` is what the migrations build."""
from store.models.accounts import ApiKey, Device, DeviceStock, Driver, DriverActivity, Screen, User
from store.models.alerts import Alert
from store.models.base import Base
from store.models.catalogue import Ad, Product, Station, StationStock
from store.models.creatives import Creative, CreativeObject
from store.models.events import AdPlay, GpsPoint, IdempotencyKey, OutboxEvent
from store.models.jobs import JobRun, SchedulerMarker
from store.models.orders import ORDER_STATUSES, AwaitingPickup, LedgerEntry, Order, OrderLine, Purchase, PurchaseLine
from store.models.payments import PAYMENT_STATUSES, Payment, PaymentMismatch, Refund, RefundLine

PARTITIONED = {  # table -> partition column
    "orders": "created_at",
    "order_lines": "created_at",
    "purchases": "occurred_at",
    "purchase_lines": "occurred_at",
    "gps_points": "recorded_at",
    "ad_plays": "played_at",
}

__all__ = [
    "Ad", "AdPlay", "Alert", "ApiKey", "AwaitingPickup", "Base", "Creative", "CreativeObject", "Device", "DeviceStock",
    "Driver", "DriverActivity", "GpsPoint",
    "IdempotencyKey", "JobRun", "LedgerEntry", "ORDER_STATUSES", "Order", "OrderLine", "OutboxEvent", "PARTITIONED",
    "PAYMENT_STATUSES", "Payment", "PaymentMismatch", "Product", "Purchase", "PurchaseLine", "Refund", "RefundLine",
    "SchedulerMarker", "Screen", "Station", "StationStock", "User",
]
