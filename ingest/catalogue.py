"""Catalogue and account use cases (admin): each one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from ingest.errors import Conflict, Invalid, NotFound
from store import Store, outbox
from store.models import Ad, ApiKey, Device, Driver, Product, Screen, Station, StationStock, User
from store.tokens import hash_token, new_token


@dataclass
class Created:
    """A new row and, for token-holding owners, its key (shown once); the outbox events written."""
    row: object
    token: str | None = None
    events: list = field(default_factory=list)


# The label columns a catalogue event carries (analytics.catalogue indexes stations and products from them).
STATION_FIELDS = ("id", "name", "address", "lat", "lng")
PRODUCT_FIELDS = ("id", "sku", "name", "category", "retail_price_cents", "supply_price_cents")


def _indexed(session, kind: str, row, fields) -> list:
    """The event that puts ``row`` on the map / in the search (``station_indexed``, ``product_indexed``)."""
    return outbox.write_internal(session, kind, [{f: getattr(row, f) for f in fields}])


def _issue_key(session, kind: str, owner_id: int) -> str:
    token = new_token(kind)
    session.add(ApiKey(kind=kind, owner_id=owner_id, key_hash=hash_token(token), prefix=token[:8]))
    return token


def _require(session, model, row_id: int, field: str):
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{model.__tablename__[:-1]} {row_id} does not exist", field=field)
    return row


def create_station(store: Store, *, name: str, address: str, lat: float, lng: float) -> Created:
    with store.transaction() as session:
        station = Station(name=name, address=address, lat=lat, lng=lng)
        session.add(station)
        session.flush()
        return Created(station, _issue_key(session, "station", station.id),
                       _indexed(session, "station_indexed", station, STATION_FIELDS))


def create_product(store: Store, **fields) -> Created:
    try:
        with store.transaction() as session:
            product = Product(**fields)
            session.add(product)
            session.flush()
            return Created(product, events=_indexed(session, "product_indexed", product, PRODUCT_FIELDS))
    except IntegrityError:
        raise Conflict(f"sku {fields['sku']!r} already exists", field="sku") from None


def set_station_stock(store: Store, station_id: int, rows: list[dict]) -> tuple[list[tuple[str, int, bool]], list]:
    """Set the given rows (upsert); return every row of the station, by sku, and the events.

    The station is indexed again (``station_indexed``): nearby-with-sku reads stock from Postgres,
    and a station Redis lost comes back on the map with its next stock change."""
    with store.transaction() as session:
        station = _require(session, Station, station_id, "id")
        skus = {r["sku"] for r in rows}
        ids = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
        for index, row in enumerate(rows):
            if row["sku"] not in ids:
                raise Invalid(f"unknown sku {row['sku']!r}", field=f"items[{index}].sku")
        values = [{"station_id": station_id, "product_id": ids[r["sku"]], "quantity": r["quantity"],
                   "on_shelf": r["on_shelf"]} for r in rows]
        stmt = insert(StationStock).values(values)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[StationStock.station_id, StationStock.product_id],
            set_={"quantity": stmt.excluded.quantity, "on_shelf": stmt.excluded.on_shelf,
                  "updated_at": stmt.excluded.updated_at}))
        return station_stock(session, station_id), _indexed(session, "station_indexed", station, STATION_FIELDS)


def station_stock(session, station_id: int) -> list[tuple[str, int, bool]]:
    return [tuple(r) for r in session.execute(
        select(Product.sku, StationStock.quantity, StationStock.on_shelf)
        .join(Product, Product.id == StationStock.product_id)
        .where(StationStock.station_id == station_id).order_by(Product.sku))]


def create_driver(store: Store, *, name: str, car_plate: str, phone: str | None = None) -> Created:
    with store.transaction() as session:
        driver = Driver(name=name, car_plate=car_plate, phone=phone)
        session.add(driver)
        session.flush()
        return Created(driver, _issue_key(session, "driver", driver.id))


def create_device(store: Store, *, serial: str, driver_id: int) -> Created:
    try:
        with store.transaction() as session:
            _require(session, Driver, driver_id, "driver_id")
            device = Device(serial=serial, driver_id=driver_id)
            session.add(device)
            session.flush()
            return Created(device, _issue_key(session, "device", device.id))
    except IntegrityError:
        raise Conflict(f"serial {serial!r} already exists", field="serial") from None


def create_ad(store: Store, **fields) -> Created:
    with store.transaction() as session:
        ad = Ad(**fields)
        session.add(ad)
        session.flush()
        return Created(ad)


def create_user(store: Store, *, username: str, password: str, role: str, station_id: int | None) -> Created:
    try:
        with store.transaction() as session:
            if station_id is not None:
                _require(session, Station, station_id, "station_id")
            user = User(username=username, password_hash=generate_password_hash(password), role=role,
                        station_id=station_id if role == "station_manager" else None)
            session.add(user)
            session.flush()
            return Created(user)
    except IntegrityError:
        raise Conflict(f"username {username!r} already exists", field="username") from None


def create_screen(store: Store, *, label: str, station_id: int | None) -> Created:
    with store.transaction() as session:
        if station_id is not None:
            _require(session, Station, station_id, "station_id")
        token = new_token("screen")
        screen = Screen(label=label, station_id=station_id, token_hash=hash_token(token))
        session.add(screen)
        session.flush()
        return Created(screen, token)


def delete_screen(store: Store, screen_id: int) -> None:
    with store.transaction() as session:
        session.delete(_require(session, Screen, screen_id, "id"))


def screen_for_token(session, token: str) -> Screen | None:
    """The live kiosk screen behind a link token, or None once revoked."""
    return session.scalar(select(Screen).where(Screen.token_hash == hash_token(token)))
