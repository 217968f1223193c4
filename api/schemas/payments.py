"""Payment and refund bodies (API.md "Payments (Alipay)")."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import Body, Id, Out, PositiveCents, Text
from api.schemas.ingest import Location, PurchaseItemIn

PaymentStatus = Literal["pending", "paid", "closed", "refunded", "partially_refunded"]


class PaymentIn(Body):
    items: list[PurchaseItemIn] = Field(min_length=1, max_length=50)
    location: Location | None = None
    device_id: Id | None = Field(None, description="admin only: the device the payment is for")


class PaymentCreatedOut(Out):
    id: str
    status: PaymentStatus
    total_cents: int
    qr_code: str = Field(description="the text of the QR code the passenger scans with Alipay")
    expires_at: str


class PaymentOut(Out):
    id: str
    status: PaymentStatus
    total_cents: int
    trade_no: str | None
    purchase_id: str | None
    paid_at: str | None
    expires_at: str


class RefundIn(Body):
    amount_cents: PositiveCents | None = Field(None, description="default: what is left to refund")
    reason: Text = Field(min_length=1, max_length=256)


class RefundOut(Out):
    id: str
    purchase_id: str
    amount_cents: int
    status: Literal["succeeded"]
    created_at: str
