"""Browser tests: headless Chromium (Debian's) against the session's live server."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1920,1080", "--force-device-scale-factor=1", "--lang=zh-CN")


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    # The wall's viewport exactly (a headless window's size includes its invisible chrome).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
    yield driver
    driver.quit()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def server(app, database_url, redis_url, tmp_path_factory):
    """The app served as the product serves it (gunicorn; the live stream handed to the worker's hub),
    on the test session's databases, for the live-stream browser tests."""
    from tests.deploy.gunicorn_server import GunicornServer

    gunicorn = GunicornServer(database_url, redis_url, tmp_path_factory.mktemp("gunicorn") / "log",
                              BUYFREE_MAP_TILES="/screen/no-tiles/{z}/{x}/{y}.png").start()
    yield gunicorn
    gunicorn.stop()
