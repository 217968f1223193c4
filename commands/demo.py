"""``python app.py demo``: embedded servers, a believable catalogue, live traffic, one command."""
from __future__ import annotations

import json
import logging
import os
import random
import secrets
import subprocess
import sys
import atexit
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from commands import demo_history
from commands.demo_creatives import seed_creatives
from commands.demo_data import ADS, DRIVERS, PRODUCTS, STATIONS
from commands.serve import migrate, run_gunicorn
from config import load_settings
from config.embedded import export_urls

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
APP_PY = str(ROOT / "app.py")
MANAGER = "manager"
# Live purchases per second at the busiest hour: a sale every few seconds keeps the wall moving without
# one afternoon of the demo outselling a day of its history many times over.
DEMO_RATE = 0.3
HISTORY_SHELF = 1_000_000  # shelves are full while the past is written; set to today's levels after
DEMO_APP_ID = "2021000000000001"


def demo_secrets(data_dir: Path) -> dict:
    """Generated once and kept under the data dir, so a restart keeps the same tokens."""
    path = data_dir / "demo-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    values = {"admin_token": "bf_admin_" + secrets.token_urlsafe(18), "secret_key": secrets.token_urlsafe(32),
              "manager_password": secrets.token_urlsafe(9), "admin_password": secrets.token_urlsafe(9)}
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def seed(store, manager_password: str, out=sys.stdout, days: int = demo_history.DAYS,
         admin_password: str | None = None) -> dict:
    """Create the demo catalogue and its past once; returns what the banner prints and the fleet's keys
    (the simulator drives the same drivers, devices and stations)."""
    from sqlalchemy import func, select

    from ingest import catalogue
    from store.models import Device, DeviceStock, Product, Station

    with store.sessions() as session:
        if session.scalar(select(func.count()).select_from(Station)):
            return {}
    started = time.monotonic()
    rng = random.Random(20261128)
    created = [catalogue.create_station(store, name=n, address=a, lat=lat, lng=lng) for n, a, lat, lng in STATIONS]
    stations = [c.row for c in created]
    for sku, name, category, retail, supply in PRODUCTS:
        catalogue.create_product(store, sku=sku, name=name, category=category, retail_price_cents=retail,
                                 supply_price_cents=supply)
    shelves = {}
    for station in stations:
        rows = [{"sku": p[0], "quantity": HISTORY_SHELF, "on_shelf": rng.random() > 0.05} for p in PRODUCTS]
        shelves[station.id] = rows
        catalogue.set_station_stock(store, station.id, rows)
    fleet = []
    for index, (name, plate) in enumerate(DRIVERS):
        driver = catalogue.create_driver(store, name=name, car_plate=plate, phone=f"138{rng.randint(10**7, 10**8 - 1)}")
        device = catalogue.create_device(store, serial=f"BF-DEV-{index + 1:05d}", driver_id=driver.row.id)
        fleet.append({"driver_id": driver.row.id, "driver_key": driver.token, "device_id": device.row.id,
                      "device_key": device.token, "name": name, "plate": plate})
    now = datetime.now(timezone.utc)
    starts = now - timedelta(days=demo_history.AD_DAYS)
    ad_rows = [catalogue.create_ad(store, title=title, advertiser=advertiser, expected_plays=expected,
                                   price_per_play_cents=price, starts_at=starts, ends_at=starts + timedelta(days=90)).row
               for title, advertiser, expected, price in ADS]
    seed_creatives(store, ad_rows)
    ads = [ad.id for ad in ad_rows]
    # Devices start with a few of each product, as if stocked before their first day.
    with store.transaction() as session:
        products = session.scalars(select(Product.id)).all()
        for device_id in session.scalars(select(Device.id)):
            for product_id in rng.sample(products, 12):
                session.add(DeviceStock(device_id=device_id, product_id=product_id, quantity=rng.randint(6, 15)))
    _history(store, rng, stations, shelves, fleet, ads, now, out, days)
    for station in stations:  # the shelves as a station keeps them today
        catalogue.set_station_stock(store, station.id, [{**row, "quantity": rng.randint(150, 600)}
                                                        for row in shelves[station.id]])
    catalogue.create_user(store, username="admin", password=admin_password or manager_password, role="admin", station_id=None)
    catalogue.create_user(store, username=MANAGER, password=manager_password, role="station_manager",
                          station_id=stations[0].id)
    screen = catalogue.create_screen(store, label="Platform wall", station_id=None)
    station_screen = catalogue.create_screen(store, label=stations[0].name, station_id=stations[0].id)
    print(f"demo data ready in {time.monotonic() - started:.1f} s", file=out, flush=True)
    return {"kiosk": f"/screen/k/{screen.token}", "station_kiosk": f"/screen/k/{station_screen.token}",
            "fleet": {"drivers": fleet, "stations": {str(c.row.id): c.token for c in created}, "ads": ads}}


def _history(store, rng, stations, shelves, fleet, ads, now, out, days: int) -> None:
    """The past (commands.demo_history), then the live figures rebuilt from it."""
    from sqlalchemy import select

    from analytics.rebuild import rebuild
    from store.models import DeviceStock, Product
    from store.partitions import ensure_partitions

    tz = store.settings.tz
    with store.engine.begin() as conn:  # a month of its own for each month of the past, as the scheduler keeps them
        ensure_partitions(conn, (now - timedelta(days=days + 1)).date(), now.date())
    with store.sessions() as session:
        skus = dict(session.execute(select(Product.id, Product.sku)).all())
        stock: dict[int, dict[str, int]] = {}
        for row in session.execute(select(DeviceStock.device_id, DeviceStock.product_id, DeviceStock.quantity)):
            stock.setdefault(row.device_id, {})[skus[row.product_id]] = row.quantity
    popularity = {sku: rng.uniform(0.3, 3.0) for sku in skus.values()}
    drivers = []
    for index, f in enumerate(fleet):
        home = stations[index % len(stations)]
        driver = demo_history.Driver(f["driver_id"], f["device_id"], home.id, stock.get(f["device_id"], {}),
                                     demo_history.joined(index, len(fleet), now, days))
        shelf = {row["sku"] for row in shelves[home.id] if row["on_shelf"]}
        demo_history.play_forward(rng, driver, shelf, popularity, ads, now - timedelta(minutes=2), tz, days)
        drivers.append(driver)
    total = sum(len(d.sales) + len(d.orders) + len(d.plays) for d in drivers)
    print(f"writing {days} days of history for {len(drivers)} drivers ({total:,} records) "
          "through the ingest use cases", file=out, flush=True)
    counts = demo_history.write(store, drivers, demo_history.Progress(total, out),
                                store.committed.publish)
    print(f"  {counts['purchases']:,} purchases, {counts['orders']:,} restock orders ({counts['pickups']:,} picked up), "
          f"{counts['ad_plays']:,} ad plays; rebuilding the live figures", file=out, flush=True)
    started = time.monotonic()
    rebuild(store)
    print(f"  live figures rebuilt in {time.monotonic() - started:.1f} s", file=out, flush=True)


def simulator_state(data_dir: Path, base: str, fleet: dict) -> Path:
    """The simulator's state file with the seeded fleet's keys: it drives those cars, not cars of its own."""
    path = data_dir / "simulator-state.json"
    state = json.loads(path.read_text()) if path.exists() else {}
    mine = state.get(base.rstrip("/"), {})
    if not mine.get("drivers"):
        state[base.rstrip("/")] = {"runs": mine.get("runs", 0), "stations": fleet["stations"],
                                   "drivers": fleet["drivers"], "ads": fleet["ads"]}
        path.write_text(json.dumps(state, indent=1, ensure_ascii=False))
        path.chmod(0o600)  # it holds API keys
    return path


def start_alipay_standin(data_dir: Path, base: str) -> subprocess.Popen | None:
    """Alipay for the demo: both key pairs made once under the data dir, the stand-in on a free
    port, and the BUYFREE_ALIPAY_* settings pointing at it (for this process and its children).
    Settings given by hand (a real app id) are left alone."""
    import socket

    from simulator.alipay.signing import key_files

    if os.environ.get("BUYFREE_ALIPAY_APP_ID"):
        return None
    keys = key_files(data_dir / "alipay")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    child = subprocess.Popen([sys.executable, "-m", "simulator.alipay", "--port", str(port), "--app-id", DEMO_APP_ID,
                              "--app-public-key", str(keys["app-public"]), "--private-key",
                              str(keys["alipay-private"])], cwd=ROOT)
    os.environ.update({"BUYFREE_ALIPAY_APP_ID": DEMO_APP_ID, "BUYFREE_ALIPAY_PRIVATE_KEY": str(keys["app-private"]),
                       "BUYFREE_ALIPAY_PUBLIC_KEY": str(keys["alipay-public"]),
                       "BUYFREE_ALIPAY_GATEWAY": f"http://127.0.0.1:{port}/gateway.do",
                       "BUYFREE_ALIPAY_NOTIFY_URL": f"{base}/api/v1/payments/alipay/notify"})
    return child


def demo(args, factory) -> int:
    """``factory``: the app factory the workers serve (``app.create_app``)."""
    from analytics import follow_committed
    from store import Store

    data_dir = Path(os.environ.get("BUYFREE_DATA_DIR", "./var"))
    base = f"http://{args.host}:{args.port}"
    standin = start_alipay_standin(data_dir, base)
    if standin is not None:
        atexit.register(standin.terminate)
    values = demo_secrets(data_dir)
    settings = load_settings(**{k: os.environ.get(f"BUYFREE_{k.upper()}") or values[k]
                                for k in ("admin_token", "secret_key")})
    os.environ["BUYFREE_ADMIN_TOKEN"] = settings.admin_token
    os.environ["BUYFREE_SECRET_KEY"] = settings.secret_key
    settings = export_urls(settings)
    migrate(settings)
    store = Store.from_settings(settings)
    follow_committed(store)  # the seed's history reaches the live figures as it is written
    # A data dir from before the admin had a password of its own keeps its one password.
    values.setdefault("admin_password", values["manager_password"])
    links = seed(store, values["manager_password"], admin_password=values["admin_password"])
    if links:
        values.update(links)
        (data_dir / "demo-secrets.json").write_text(json.dumps(values, indent=2))
    store.close()
    if values.get("fleet"):
        simulator_state(data_dir, base, values["fleet"])
    children = [subprocess.Popen([sys.executable, APP_PY, "scheduler"])]
    if settings.amqp_url:  # the event stream, when the demo is given a broker
        children.append(subprocess.Popen([sys.executable, APP_PY, "relay"]))
    if not args.no_simulate:
        children.append(subprocess.Popen([sys.executable, APP_PY, "simulate", "--base-url", base,
                                          "--admin-token", settings.admin_token, "--wait-for-server", "--quiet",
                                          "--drivers", str(len(DRIVERS)), "--rate", str(DEMO_RATE)]))
    for child in children:
        atexit.register(child.terminate)
    print_banner(base, settings, values)
    run_gunicorn(factory, args.host, args.port, workers=2, threads=4)
    return 0


def print_banner(base: str, settings, values: dict) -> None:
    lines = [
        "", "BuyFree demo is starting", "=" * 60,
        f"Big screen (sign in):  {base}/screen",
        f"Kiosk link (no login): {base}{values.get('kiosk', '')}",
        f"Station kiosk:         {base}{values.get('station_kiosk', '')}",
        f"Console:               {base}/console",
        f"Sign in:               admin / {values['admin_password']}   or   {MANAGER} / {values['manager_password']}"
        " (station manager of the first station)",
        f"API:                   {base}/api/v1  (OpenAPI: {base}/api/v1/openapi.json)",
        f"Alipay:                {settings.alipay_gateway}"
        + ("  (the simulator's stand-in: passengers pay by scanning)" if "127.0.0.1" in settings.alipay_gateway
           else ""),
        f"Admin token:           {settings.admin_token}",
        f"Data:                  {settings.data_dir.resolve()}  (secrets in demo-secrets.json)",
        "=" * 60, "",
    ]
    print("\n".join(lines), flush=True)
