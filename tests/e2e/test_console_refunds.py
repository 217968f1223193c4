"""An admin refunds part of an Alipay purchase from the console's orders page, in headless Chromium."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from dashboard.console import ids
from tests.api.payments import created, payment, scanned
from tests.e2e.screen_helpers import text_of, wait_for
from tests.e2e.test_console import sign_in
from tests.helpers import console_user
from tests.ingest.world import balance, world  # noqa: F401

pytestmark = pytest.mark.e2e


def test_admin_refunds_part_of_an_alipay_purchase(world, store, alipay, live_server, browser, artifacts):
    body = created(world)  # ¥15.00 through the stand-in
    scanned(alipay, body["qr_code"])
    paid = payment(world, body["id"])
    admin = console_user(world.api, role="admin")

    sign_in(browser, live_server, admin["username"], "/console/orders")
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, f"#{ids.ORDERS_KIND} input[value='retail']"),
             message="the kind choice").click()
    wait_for(lambda: paid["purchase_id"] in text_of(browser, ids.ORDERS_TABLE), message="the purchase listed")
    assert "支付宝 Alipay · 已付 paid" in text_of(browser, ids.ORDERS_TABLE)
    browser.find_element(By.CSS_SELECTOR, f"#{ids.ORDERS_TABLE} .c-order-row .c-btn.c-danger").click()
    amount = wait_for(lambda: browser.find_element(By.ID, ids.REFUND_AMOUNT), message="the refund panel")
    wait_for(lambda: amount.get_attribute("value") == "15", message="what is left, by default")
    amount.clear()
    amount.send_keys("4.50")
    browser.find_element(By.ID, ids.REFUND_REASON).send_keys("凹罐 dented can")
    browser.save_screenshot(str(artifacts / "console-refund-panel.png"))
    browser.find_element(By.ID, ids.REFUND_SEND).click()
    dialog = wait_for(lambda: browser.switch_to.alert, message="the confirm dialog")
    assert "¥4.50" in dialog.text and paid["purchase_id"] in dialog.text
    dialog.accept()
    wait_for(lambda: "Refunded ¥4.50" in text_of(browser, ids.REFUND_STATUS), message="the refund done")
    wait_for(lambda: "partly refunded" in text_of(browser, ids.ORDERS_TABLE), message="the row's new state")
    assert "refunded ¥4.50" in text_of(browser, ids.ORDERS_TABLE)
    browser.save_screenshot(str(artifacts / "console-refund-done.png"))
    assert alipay.trades.by_no[body["id"]].refunded == 450
    assert balance(store, f"driver:{world.driver['id']}") == 1500 - 450
    assert payment(world, body["id"])["status"] == "partially_refunded"
