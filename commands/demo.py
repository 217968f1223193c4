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
from datetime import datetime, timedelta, timezone
from pathlib import Path

from commands.demo_creatives import seed_creatives
from commands.demo_data import ADS, DRIVERS, PRODUCTS, STATIONS
from commands.serve import migrate, run_gunicorn
from config import load_settings
from config.embedded import export_urls

log = logging.getLogger(__name__)
APP_PY = str(Path(__file__).resolve().parents[1] / "app.py")
MANAGER = "manager"


def demo_secrets(data_dir: Path) -> dict:
    """Generated once and kept under the data dir, so a restart keeps the same tokens."""
    path = data_dir / "demo-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    values = {"admin_token": "bf_admin_" + secrets.token_urlsafe(18), "secret_key": secrets.token_urlsafe(32),
              "manager_password": secrets.token_urlsafe(9)}
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def seed(store, manager_password: str) -> dict:
    """Create the demo catalogue once; returns what the banner prints."""
    from sqlalchemy import func, select

    from ingest import catalogue
    from store.models import Device, Station
    from store.models import DeviceStock, Product

    with store.sessions() as session:
        if session.scalar(select(func.count()).select_from(Station)):
            return {}
    rng = random.Random(20261128)
    stations = [catalogue.create_station(store, name=n, address=a, lat=lat, lng=lng).row for n, a, lat, lng in STATIONS]
    for sku, name, category, retail, supply in PRODUCTS:
        catalogue.create_product(store, sku=sku, name=name, category=category, retail_price_cents=retail,
                                 supply_price_cents=supply)
    for station in stations:
        rows = [{"sku": p[0], "quantity": rng.randint(150, 600), "on_shelf": rng.random() > 0.05} for p in PRODUCTS]
        catalogue.set_station_stock(store, station.id, rows)
    for index, (name, plate) in enumerate(DRIVERS):
        driver = catalogue.create_driver(store, name=name, car_plate=plate, phone=f"138{rng.randint(10**7, 10**8 - 1)}").row
        catalogue.create_device(store, serial=f"BF-DEV-{index + 1:05d}", driver_id=driver.id)
    starts = datetime.now(timezone.utc) - timedelta(days=14)
    ads = [catalogue.create_ad(store, title=title, advertiser=advertiser, expected_plays=expected,
                               price_per_play_cents=price, starts_at=starts, ends_at=starts + timedelta(days=90)).row
           for title, advertiser, expected, price in ADS]
    seed_creatives(store, ads)
    # Devices start with a few of each product, as if stocked before the demo.
    with store.transaction() as session:
        products = session.scalars(select(Product.id)).all()
        for device_id in session.scalars(select(Device.id)):
            for product_id in rng.sample(products, 12):
                session.add(DeviceStock(device_id=device_id, product_id=product_id, quantity=rng.randint(6, 15)))
    catalogue.create_user(store, username="admin", password=manager_password, role="admin", station_id=None)
    catalogue.create_user(store, username=MANAGER, password=manager_password, role="station_manager",
                          station_id=stations[0].id)
    screen = catalogue.create_screen(store, label="Platform wall", station_id=None)
    station_screen = catalogue.create_screen(store, label=stations[0].name, station_id=stations[0].id)
    return {"kiosk": f"/screen/k/{screen.token}", "station_kiosk": f"/screen/k/{station_screen.token}"}


def demo(args, factory) -> int:
    """``factory``: the app factory the workers serve (``app.create_app``)."""
    from store import Store

    data_dir = Path(os.environ.get("BUYFREE_DATA_DIR", "./var"))
    values = demo_secrets(data_dir)
    settings = load_settings(**{k: os.environ.get(f"BUYFREE_{k.upper()}") or values[k]
                                for k in ("admin_token", "secret_key")})
    os.environ["BUYFREE_ADMIN_TOKEN"] = settings.admin_token
    os.environ["BUYFREE_SECRET_KEY"] = settings.secret_key
    settings = export_urls(settings)
    migrate(settings)
    store = Store.from_settings(settings)
    links = seed(store, values["manager_password"])
    if links:
        values.update(links)
        (data_dir / "demo-secrets.json").write_text(json.dumps(values, indent=2))
    store.close()
    base = f"http://{args.host}:{args.port}"
    children = [subprocess.Popen([sys.executable, APP_PY, "scheduler"])]
    if not args.no_simulate:
        children.append(subprocess.Popen([sys.executable, APP_PY, "simulate", "--base-url", base,
                                          "--admin-token", settings.admin_token, "--wait-for-server", "--quiet"]))
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
        f"Sign in:               admin / {values['manager_password']}   or   {MANAGER} / {values['manager_password']}",
        f"API:                   {base}/api/v1  (OpenAPI: {base}/api/v1/openapi.json)",
        f"Admin token:           {settings.admin_token}",
        f"Data:                  {settings.data_dir.resolve()}  (secrets in demo-secrets.json)",
        "=" * 60, "",
    ]
    print("\n".join(lines), flush=True)
