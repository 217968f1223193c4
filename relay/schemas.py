"""The messages of the event stream as pydantic models: the one source of ``docs/events/*.schema.json``
(``python -m relay.schemas`` writes them; a test checks they are current and that real messages fit)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

DOCS = Path(__file__).resolve().parents[1] / "docs" / "events"
D = TypeVar("D")


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Line(Shape):
    product_id: int
    quantity: int = Field(ge=1)
    amount_cents: int = Field(description="integer fen")


class Location(Shape):
    lat: float
    lng: float


class Purchase(Shape):
    purchase_id: str
    device_id: int
    driver_id: int
    occurred_at: AwareDatetime
    total_cents: int
    lines: list[Line]
    location: Location | None


class Order(Shape):
    order_id: str
    station_id: int
    driver_id: int
    created_at: AwareDatetime
    total_cents: int
    lines: list[Line]


class Cart(Shape):
    orders: list[Order] = Field(description="one order per station of the cart")


class PickedUp(Order):
    device_id: int
    picked_up_at: AwareDatetime


class Play(Shape):
    ad_id: int
    played_at: AwareDatetime
    duration_ms: int
    creative_id: int | None = None


class AdPlays(Shape):
    device_id: int
    driver_id: int
    plays: list[Play]


class Presence(Shape):
    device_id: int
    driver_id: int
    online: bool
    last_seen_at: AwareDatetime


class Subject(Shape):
    type: Literal["device", "station", "order", "payment"]
    id: int | str


class Alert(Shape):
    id: int
    kind: str
    severity: Literal["info", "warning", "critical"]
    subject: Subject
    station_id: int | None
    opened_at: AwareDatetime
    acknowledged_at: AwareDatetime | None
    resolved_at: AwareDatetime | None
    detail: dict


class RefundLine(Shape):
    product_id: int
    amount_cents: int


class Refunded(Shape):
    refund_id: str
    purchase_id: str
    device_id: int
    driver_id: int
    occurred_at: AwareDatetime = Field(description="the purchase's time: the periods whose amounts went down")
    amount_cents: int
    lines: list[RefundLine]


class PaymentPaid(Shape):
    payment_id: str
    purchase_id: str
    device_id: int
    driver_id: int
    trade_no: str
    total_cents: int
    paid_at: AwareDatetime


class PaymentClosed(Shape):
    payment_id: str
    reason: str


class Message(BaseModel, Generic[D]):
    """The JSON body; AMQP's message_id is ``id`` as a decimal string (consumers dedupe on it)."""
    model_config = ConfigDict(extra="forbid", strict=True)
    id: int = Field(description="the event id (the outbox row); also the message_id property")
    type: str = Field(description="the routing key")
    occurred_at: AwareDatetime = Field(description="when it happened (the event's own time, else recorded_at)")
    recorded_at: AwareDatetime = Field(description="when the platform recorded it")
    data: D


DATA = {"purchase.recorded": Purchase, "order.placed": Cart, "order.picked_up": PickedUp, "order.cancelled": Order,
        "ad_play.recorded": AdPlays, "device.online": Presence, "device.offline": Presence,
        "alert.opened": Alert, "alert.resolved": Alert, "purchase.refunded": Refunded, "payment.paid": PaymentPaid,
        "payment.closed": PaymentClosed}


def model(routing_key: str) -> type[BaseModel]:
    return Message[DATA[routing_key]]


def schema(routing_key: str) -> dict:
    doc = model(routing_key).model_json_schema()
    doc["properties"]["type"] = {"const": routing_key, "description": "the routing key"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{routing_key}.schema.json",
            **doc, "title": routing_key}


def text(routing_key: str) -> str:
    return json.dumps(schema(routing_key), indent=2, ensure_ascii=False) + "\n"


def write() -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    for key in DATA:
        (DOCS / f"{key}.schema.json").write_text(text(key))


if __name__ == "__main__":
    write()
