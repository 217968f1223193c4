"""Alipay's signature scheme, twice over: the stand-in's (cryptography, from Alipay's documentation)
and the product's (python-alipay-sdk) sign and verify each other's work, on Alipay's own example."""
from __future__ import annotations

import json

from config import load_settings
from ingest.alipay import AlipayClient
from simulator.alipay import signing

# The asynchronous notification of Alipay's documentation ("异步通知验签" example), less its signature.
DOC_NOTIFICATION = {
    "total_amount": "2.00", "buyer_id": "2088102116773037", "body": "大乐透2.1",
    "trade_no": "2016071921001003030200089909", "refund_fee": "0.00", "notify_time": "2016-07-19 14:10:49",
    "subject": "大乐透2.1", "sign_type": "RSA2", "charset": "utf-8", "notify_type": "trade_status_sync",
    "out_trade_no": "0719141034-6418", "gmt_close": "2016-07-19 14:10:46", "gmt_payment": "2016-07-19 14:10:47",
    "trade_status": "TRADE_SUCCESS", "version": "1.0", "gmt_create": "2016-07-19 14:10:44",
    "app_id": "2015102700040153", "seller_id": "2088102119685838", "notify_id": "4a91b7a78a503640467525113fb7d8bg8e"}
# ...and the text the documentation says is verified: sorted, sign and sign_type left out.
DOC_CONTENT = (
    "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8&gmt_close=2016-07-19 14:10:46"
    "&gmt_create=2016-07-19 14:10:44&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e"
    "&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00"
    "&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909"
    "&trade_status=TRADE_SUCCESS&version=1.0")


def _client(app_key, alipay_key) -> AlipayClient:
    return AlipayClient(load_settings(
        alipay_app_id="2015102700040153", alipay_private_key=signing.private_pem(app_key),
        alipay_public_key=signing.public_pem(alipay_key), alipay_gateway="http://127.0.0.1:9/gateway.do",
        alipay_notify_url="http://127.0.0.1:9/notify"))


def test_the_documented_notification_content(alipay_keys):
    assert signing.notification_content({**DOC_NOTIFICATION, "sign": "x"}) == DOC_CONTENT
    app_key, alipay_key = alipay_keys
    client = _client(app_key, alipay_key)
    signed = {**DOC_NOTIFICATION, "sign": signing.sign(alipay_key, DOC_CONTENT)}
    assert client.verify_notification(signed)  # the library verifies what the documented text was signed with
    assert not client.verify_notification({**signed, "total_amount": "200.00"})
    assert not client.verify_notification({**signed, "sign": signing.sign(app_key, DOC_CONTENT)})  # another key


def test_requests_signed_by_the_library_verify_by_the_documented_rule(alipay_keys):
    from urllib.parse import parse_qsl

    app_key, alipay_key = alipay_keys
    gateway = _client(app_key, alipay_key).gateway
    data = gateway.build_body("alipay.trade.precreate", {"out_trade_no": "pay_1", "total_amount": "7.00",
                                                         "subject": "可乐 ×2"}, notify_url="http://n/notify")
    params = dict(parse_qsl(gateway.sign_data(data), keep_blank_values=True))
    assert params["sign_type"] == "RSA2" and params["timestamp"]
    assert signing.verify(app_key.public_key(), signing.request_content(params), params["sign"])
    assert not signing.verify(app_key.public_key(), signing.request_content({**params, "app_id": "1"}),
                              params["sign"])


def test_a_reply_is_verified_over_its_response_text(alipay_keys):
    from alipay.exceptions import AliPayValidationError

    app_key, alipay_key = alipay_keys
    gateway = _client(app_key, alipay_key).gateway
    inner = json.dumps({"code": "10000", "msg": "Success", "out_trade_no": "pay_1",
                        "qr_code": "https://qr.alipay.com/bax1"}, separators=(",", ":"))
    reply = '{"alipay_trade_precreate_response":%s,"sign":"%s"}' % (inner, signing.sign(alipay_key, inner))
    assert gateway._verify_and_return_sync_response(reply, "alipay_trade_precreate_response")["qr_code"] \
        == "https://qr.alipay.com/bax1"
    try:
        gateway._verify_and_return_sync_response(reply.replace("bax1", "bax2"), "alipay_trade_precreate_response")
        raise AssertionError("a changed reply was accepted")
    except AliPayValidationError:
        pass
