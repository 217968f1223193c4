"""The Alipay open API client: python-alipay-sdk for the signatures, requests for the transport.

The library builds the common parameters, signs requests (RSA2 over the sorted
parameters), verifies a reply's signature over its ``<method>_response`` JSON
text, and verifies notifications (all parameters but ``sign`` and ``sign_type``).
Two things are changed in a subclass: the request is a form-encoded POST on a
pooled session with a (connect, read) timeout instead of a GET with everything
in the URL on a new connection each call; and the ``timestamp`` is Beijing time,
which Alipay reads, rather than the host's zone.

Alipay slow or down must not hold every request thread of a worker: at most half
of them (``BUYFREE_WEB_THREADS`` // 2, at least 1) wait on Alipay at once; a call
beyond that fails at once, like one that timed out (``PaymentGatewayError``, 502).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import requests
from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError

from ingest.errors import PaymentGatewayError, PaymentsNotConfigured

log = logging.getLogger(__name__)

ALIPAY_TZ = ZoneInfo("Asia/Shanghai")  # Alipay's times (timestamp, gmt_payment) are Beijing time, whatever ours is
SUCCESS = "10000"
CONNECT_SECONDS = 1.5
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")


def yuan(cents: int) -> str:
    """Fen as Alipay's amount: yuan with two decimals."""
    return f"{cents // 100}.{cents % 100:02d}"


def cents(amount: str) -> int:
    """Alipay's ``"7.00"`` as fen; ``ValueError`` for anything that is not yuan with at most two decimals."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise ValueError(f"not an amount: {amount!r}") from None
    fen = value * 100
    if not value.is_finite() or fen != fen.to_integral_value() or value < 0:
        raise ValueError(f"not an amount in yuan: {amount!r}")
    return int(fen)


def alipay_time(text: str | None) -> datetime | None:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time (aware), or None."""
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ALIPAY_TZ)


@dataclass(frozen=True)
class Trade:
    """What ``alipay.trade.query`` says of a trade (None when Alipay has no such trade yet)."""
    status: str  # WAIT_BUYER_PAY | TRADE_SUCCESS | TRADE_FINISHED | TRADE_CLOSED
    trade_no: str
    total_cents: int
    paid_at: datetime | None

    @property
    def paid(self) -> bool:
        return self.status in PAID


class _Gateway(AliPay):
    def __init__(self, settings, http: requests.Session):
        super().__init__(appid=settings.alipay_app_id, app_notify_url=settings.alipay_notify_url,
                         app_private_key_string=settings.alipay_private_key.get_secret_value(),
                         alipay_public_key_string=settings.alipay_public_key, sign_type="RSA2")
        self.url, self.http = settings.alipay_gateway, http
        self.timeout = (min(CONNECT_SECONDS, settings.alipay_timeout_seconds), settings.alipay_timeout_seconds)

    def build_body(self, method, biz_content=None, **kwargs):
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = datetime.now(ALIPAY_TZ).strftime("%Y-%m-%d %H:%M:%S")
        return data

    def verified_sync_response(self, data, response_type):
        response = self.http.post(self.url, data=self.sign_data(data).encode(), timeout=self.timeout, headers={
            "Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})
        response.raise_for_status()
        return self._verify_and_return_sync_response(response.content.decode("utf-8"), response_type)


class AlipayClient:
    """One per process (``client(store)``); thread-safe."""

    def __init__(self, settings):
        self.settings = settings
        self.http = requests.Session()
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
        self.http.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=16))
        self.gateway = _Gateway(settings, self.http)
        self.slots = threading.BoundedSemaphore(max(1, settings.web_threads // 2))

    def _call(self, method: str, call, *args, **kwargs) -> dict:
        if not self.slots.acquire(blocking=False):
            raise PaymentGatewayError(f"Alipay is answering slowly: too many calls waiting ({method}); retry")
        try:
            return call(*args, **kwargs)
        except requests.Timeout:
            raise PaymentGatewayError(f"Alipay did not answer {method} within "
                                      f"{self.settings.alipay_timeout_seconds:g} s") from None
        except requests.RequestException as exc:
            raise PaymentGatewayError(f"Alipay cannot be reached ({method}: {type(exc).__name__})") from None
        except AliPayValidationError:
            log.error("Alipay's answer to %s failed its signature check: not trusted", method)
            raise PaymentGatewayError(f"Alipay's answer to {method} failed its signature check") from None
        except (AliPayException, ValueError, KeyError, AttributeError) as exc:
            log.warning("Alipay's answer to %s is not usable: %s", method, str(exc)[:300])
            raise PaymentGatewayError(f"Alipay answered {method} with an error") from None
        finally:
            self.slots.release()

    @staticmethod
    def _refused(method: str, reply: dict) -> PaymentGatewayError:
        detail = reply.get("sub_msg") or reply.get("msg") or "refused"
        return PaymentGatewayError(f"Alipay refused {method}: {reply.get('sub_code') or reply.get('code')} {detail}")

    def precreate(self, out_trade_no: str, total_cents: int, subject: str, minutes: int) -> str:
        """``alipay.trade.precreate``: the QR code's text."""
        reply = self._call("alipay.trade.precreate", self.gateway.api_alipay_trade_precreate, subject[:256],
                           out_trade_no, yuan(total_cents), timeout_express=f"{minutes}m")
        if reply.get("code") != SUCCESS or not reply.get("qr_code"):
            raise self._refused("alipay.trade.precreate", reply)
        return reply["qr_code"]

    def query(self, out_trade_no: str) -> Trade | None:
        reply = self._call("alipay.trade.query", self.gateway.api_alipay_trade_query, out_trade_no=out_trade_no)
        if reply.get("code") != SUCCESS:
            if reply.get("sub_code") == "ACQ.TRADE_NOT_EXIST":  # a precreated trade exists once it is scanned
                return None
            raise self._refused("alipay.trade.query", reply)
        return Trade(reply["trade_status"], reply.get("trade_no", ""), cents(reply["total_amount"]),
                     alipay_time(reply.get("send_pay_date")))

    def close(self, out_trade_no: str) -> str:
        """``alipay.trade.close``: "closed", "not_exist" (never scanned) or "not_closable" (paid meanwhile)."""
        reply = self._call("alipay.trade.close", self.gateway.api_alipay_trade_close, out_trade_no=out_trade_no)
        if reply.get("code") == SUCCESS:
            return "closed"
        outcome = {"ACQ.TRADE_NOT_EXIST": "not_exist", "ACQ.TRADE_STATUS_ERROR": "not_closable"}.get(
            reply.get("sub_code"))
        if outcome is None:
            raise self._refused("alipay.trade.close", reply)
        return outcome

    def refund(self, out_trade_no: str, amount_cents: int, out_request_no: str, reason: str) -> None:
        """``alipay.trade.refund``; the same ``out_request_no`` again refunds nothing more (Alipay's rule)."""
        reply = self._call("alipay.trade.refund", self.gateway.api_alipay_trade_refund, yuan(amount_cents),
                           out_trade_no=out_trade_no, out_request_no=out_request_no, refund_reason=reason[:256])
        if reply.get("code") != SUCCESS:
            raise self._refused("alipay.trade.refund", reply)

    def verify_notification(self, params: dict[str, str]) -> bool:
        """The signature of a notification, by Alipay's key (all parameters but sign and sign_type)."""
        data = dict(params)
        signature = data.pop("sign", None)
        if not signature or data.get("sign_type") != "RSA2":
            return False
        try:
            return self.gateway.verify(data, signature)
        except (AliPayException, ValueError, TypeError):
            return False


_lock = threading.Lock()


def client(store) -> AlipayClient:
    """The process's client; ``PaymentsNotConfigured`` (503) without an app id."""
    if not store.settings.payments_configured:
        raise PaymentsNotConfigured("payments not configured: BUYFREE_ALIPAY_APP_ID is not set")
    found = store.alipay
    if found is None:
        with _lock:
            found = store.alipay = store.alipay or AlipayClient(store.settings)
    return found
