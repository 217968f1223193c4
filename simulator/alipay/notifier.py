"""Asynchronous notifications: form-encoded POSTs to the trade's notify_url, retried until the
answer is the text ``success`` (Alipay: 8 tries over 25 hours, 4m 10m 10m 1h 2h 6h 15h apart;
here the gaps are ``retry_seconds``, short for tests and the demo)."""
from __future__ import annotations

import heapq
import itertools
import logging
import secrets
import threading
import time

import requests

from simulator.alipay import signing
from simulator.alipay.trades import Trade, now, stamp, yuan

log = logging.getLogger("simulator.alipay")
ALIPAY_RETRIES = (240, 600, 600, 3600, 7200, 21600, 54000)


class Notifier:
    def __init__(self, private_key, app_id: str, retry_seconds=(1, 2, 4, 8, 15, 30, 60)):
        self.key, self.app_id, self.retry_seconds = private_key, app_id, tuple(retry_seconds)
        self.queue: list = []
        self.seq = itertools.count()
        self.cond = threading.Condition()
        self.http = requests.Session()
        self.sent: list[tuple[dict, str]] = []  # (params, answer) of every attempt, for tests and the log
        self.lose = 0  # the next this many notifications are lost on the way (never reach the app)
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="alipay-notifier", daemon=True)
        self.thread.start()

    def params(self, trade: Trade) -> dict:
        """A ``trade_status_sync`` notification of the trade's state, signed."""
        params = {"notify_time": stamp(now()), "notify_type": "trade_status_sync",
                  "notify_id": secrets.token_hex(16), "app_id": self.app_id, "charset": "utf-8", "version": "1.0",
                  "sign_type": "RSA2", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                  "buyer_id": "2088102177846875", "buyer_logon_id": "sim***@example.com",
                  "seller_id": "2088101117955611", "trade_status": trade.status,
                  "total_amount": yuan(trade.total_cents), "receipt_amount": yuan(trade.total_cents),
                  "buyer_pay_amount": yuan(trade.total_cents), "subject": trade.subject,
                  "gmt_create": stamp(trade.created_at), "gmt_payment": stamp(trade.paid_at),
                  "fund_bill_list": '[{"amount":"%s","fundChannel":"ALIPAYACCOUNT"}]' % yuan(trade.total_cents)}
        params = {k: v for k, v in params.items() if v is not None}
        params["sign"] = signing.sign(self.key, signing.notification_content(params))
        return params

    def send_later(self, url: str, params: dict, delay: float = 0.0) -> None:
        with self.cond:
            lost = self.lose > 0
            self.lose -= lost
            if lost:
                log.info("notification of %s lost on the way", params.get("out_trade_no"))
                return
            heapq.heappush(self.queue, (time.monotonic() + delay, next(self.seq), url, params, 0))
            self.cond.notify()

    def send_now(self, url: str, params: dict) -> str:
        """One attempt, answered in this thread (the answer's text, or the error)."""
        try:
            answer = self.http.post(url, data=params, timeout=10).text.strip()
        except requests.RequestException as exc:
            answer = f"error: {type(exc).__name__}"
        self.sent.append((params, answer))
        return answer

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.stopped and (not self.queue or self.queue[0][0] > time.monotonic()):
                    self.cond.wait(timeout=None if not self.queue else self.queue[0][0] - time.monotonic())
                if self.stopped:
                    return
                _, _, url, params, attempt = heapq.heappop(self.queue)
            if self.send_now(url, params) != "success" and attempt < len(self.retry_seconds):
                with self.cond:
                    heapq.heappush(self.queue, (time.monotonic() + self.retry_seconds[attempt], next(self.seq), url,
                                                params, attempt + 1))

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify()
