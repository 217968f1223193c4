"""/console/ads in headless Chromium: an admin sees the ads and their plays, uploads a creative
with the progress bar, and sees its thumbnail and its plays."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By

from dashboard.console import ids
from tests.api.creatives import device_of, make_ad, upload
from tests.e2e.screen_helpers import text_of, wait_for
from tests.e2e.test_console import sign_in
from tests.helpers import console_user
from tests.media import image, video

pytestmark = pytest.mark.e2e


def test_admin_uploads_a_creative_and_sees_plays_per_creative(api, client, live_server, browser, artifacts, tmp_path):
    now = datetime.now(timezone.utc)
    running = make_ad(api, title="瑞幸咖啡 Luckin Coffee 9.9", advertiser="瑞幸 Luckin", expected=40)
    make_ad(api, title="小米汽车 Xiaomi SU7", advertiser="小米 Xiaomi", starts=now + timedelta(days=3))
    poster = upload(client, running["id"], video("webm")).get_json()
    device = device_of(api)
    plays = [{"ad_id": running["id"], "played_at": now.isoformat(), "duration_ms": 2000,
              "creative_id": poster["id"]}] * 10
    assert api.post("/ad-plays", {"plays": plays}, token=device["api_key"],
                    headers={"Idempotency-Key": "e2e-plays"}).status_code == 201
    admin = console_user(api, role="admin")

    sign_in(browser, live_server, admin["username"], f"/console/ads?ad={running['id']}")
    wait_for(lambda: browser.find_elements(By.ID, f"ad-row-{running['id']}"), message="the ads table")
    row = text_of(browser, f"ad-row-{running['id']}")
    assert "投放中 Running" in row and "10 / 40 (25%)" in row and "¥0.80" in row
    assert "Scheduled" in browser.find_element(By.ID, ids.ADS_TABLE).text
    card = browser.find_element(By.ID, f"creative-{poster['id']}")
    assert "WEBM" in card.text and "320×180" in card.text and "播放 Plays: 10" in card.text
    wait_for(lambda: browser.execute_script(
        "const i = document.querySelector('#creative-%d img'); return i && i.complete && i.naturalWidth > 0;"
        % poster["id"]), message="the video's poster frame")

    banner = tmp_path / "banner.png"
    banner.write_bytes(image("PNG", size=(1280, 720), color=(14, 165, 233)))
    browser.find_element(By.ID, ids.CREATIVE_FILE).send_keys(str(banner))
    browser.find_element(By.ID, ids.CREATIVE_UPLOAD).click()
    wait_for(lambda: "Uploaded" in text_of(browser, ids.CREATIVE_STATUS) or
             len(browser.find_elements(By.CSS_SELECTOR, ".c-creative")) == 2, message="the upload finishing")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".c-creative")) == 2, message="the page reloading")
    cards = browser.find_elements(By.CSS_SELECTOR, ".c-creative")
    assert "PNG" in cards[1].text and "1280×720" in cards[1].text and "播放 Plays: 0" in cards[1].text
    wait_for(lambda: browser.execute_script(
        "return [...document.querySelectorAll('.c-creative img')].every(i => i.complete && i.naturalWidth > 0);"),
        message="both thumbnails")
    browser.save_screenshot(str(artifacts / "console-ads.png"))
    items = api.get("/devices/me/playlist", token=device["api_key"]).get_json()["items"]
    assert [i["content_type"] for i in items] == ["video/webm", "image/png"]


def test_managers_do_not_see_the_ads_page(api, app):
    manager = console_user(api, station_id=api.station()["id"])
    from tests.helpers import sign_in as form_sign_in

    browser = app.test_client()
    form_sign_in(browser, manager["username"])
    assert browser.get("/console/ads").status_code == 403
