"""A local stand-in of Alipay's open API gateway, over real HTTP (the product cannot reach Alipay here).

``POST /gateway.do`` takes the form-encoded requests of Alipay's open API, checks
``app_id`` and the RSA2 signature against the app's public key, and answers
``{"<method>_response": {...}, "sign": "..."}`` signed with the stand-in's own key:
``alipay.trade.precreate``, ``.query``, ``.close``, ``.refund``. A passenger "scans"
the QR code by POSTing to it (``/qr/<token>``, ``{"pay": true}``); the trade is then
paid and a signed notification goes to the trade's ``notify_url``, retried until the
app answers ``success``. Knobs for tests: ``delay`` (a slow gateway), ``stop()`` (down),
``notifier.lose`` (lost notifications), ``on_precreate`` (something happens before the reply).
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from simulator.alipay import signing
from simulator.alipay.notifier import Notifier
from simulator.alipay.trades import Trades

log = logging.getLogger("simulator.alipay")
METHODS = ("alipay.trade.precreate", "alipay.trade.query", "alipay.trade.close", "alipay.trade.refund")


def invalid(sub_code: str, sub_msg: str) -> dict:
    return {"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}


class AlipayStandIn:
    def __init__(self, app_id: str, app_public_pem: str, private_pem: str | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, retry_seconds=(1, 2, 4, 8, 15, 30, 60)):
        self.app_id = app_id
        self.app_public = signing.load_public(app_public_pem)
        self.key = signing.load_private(private_pem) if private_pem else signing.new_private_key()
        self.public_pem = signing.public_pem(self.key)
        self.delay = 0.0
        self.refuse: dict[str, dict] = {}  # method -> the error body of its next answer (once)
        self.on_precreate = None  # callable(trade): runs before precreate's reply is sent
        self.connections: set = set()
        self.requests: list[dict] = []  # every verified request's parameters
        self.timings: list[tuple[str, float]] = []  # (method, seconds from request to reply sent): benches
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.gateway_url = self.url + "/gateway.do"
        self.trades = Trades(self.url)
        self.notifier = Notifier(self.key, app_id, retry_seconds)
        self.thread: threading.Thread | None = None

    def start(self) -> "AlipayStandIn":
        self.thread = threading.Thread(target=self.server.serve_forever, name="alipay-standin", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Down: new connections are refused and open ones cut."""
        self.server.shutdown()
        self.server.server_close()
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.notifier.stop()

    # the gateway ---------------------------------------------------------------
    def gateway(self, params: dict[str, str]) -> tuple[str, dict]:
        method = params.get("method", "")
        name = (method.replace(".", "_") + "_response") if method in METHODS else "error_response"
        if method not in METHODS:
            return name, invalid("isv.invalid-method", "不存在的方法名")
        if params.get("app_id") != self.app_id:
            return name, invalid("isv.invalid-app-id", "无效的AppID参数")
        if params.get("sign_type") != "RSA2" or not signing.verify(
                self.app_public, signing.request_content(params), params.get("sign", "")):
            return name, invalid("isv.invalid-signature", "验签出错")
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            return name, invalid("isv.invalid-biz-content", "biz_content 不是 JSON")
        self.requests.append(params)
        if method in self.refuse:
            return name, self.refuse.pop(method)
        if method == "alipay.trade.precreate":
            body = self.trades.precreate(biz, params.get("notify_url"))
            trade = self.trades.by_no.get(biz.get("out_trade_no"))
            if body["code"] == "10000" and self.on_precreate is not None:
                self.on_precreate(trade)
            return name, body
        if method == "alipay.trade.query":
            return name, self.trades.query(biz)
        if method == "alipay.trade.close":
            body, trade = self.trades.close(biz)
            if trade is not None:
                self.notify(trade)
            return name, body
        return name, self.trades.refund(biz)

    def reply(self, name: str, body: dict) -> bytes:
        inner = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return ('{"%s":%s,"sign":"%s"}' % (name, inner, signing.sign(self.key, inner))).encode()

    # passengers ------------------------------------------------------------------
    def scan(self, qr_code: str, pay: bool = True, *, wait: bool = False) -> dict:
        """What a passenger's phone does with the code; ``wait``: the first notification is
        delivered before this returns (else it goes from the notifier's thread)."""
        token = urlsplit(qr_code).path.rsplit("/", 1)[-1]
        trade, what = self.trades.scan(token, pay)
        if trade is None:
            return {"status": "unknown", "detail": what}
        if trade.status == "TRADE_SUCCESS" and what == "TRADE_SUCCESS":
            self.notify(trade, wait=wait)
        return {"status": trade.status, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                "detail": what}

    def notify(self, trade, *, wait: bool = False) -> None:
        if not trade.notify_url:
            return
        params = self.notifier.params(trade)
        if wait and not self.notifier.lose:
            if self.notifier.send_now(trade.notify_url, params) == "success":
                return
            self.notifier.send_later(trade.notify_url, params, self.notifier.retry_seconds[0])
            return
        self.notifier.send_later(trade.notify_url, params)


def _handler(standin: AlipayStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle on, the second waits for the client's delayed ACK
        # (40 ms on Linux), which bench/payments.py counted as the platform's time. Alipay answers at once.
        disable_nagle_algorithm = True

        def setup(self):
            super().setup()
            standin.connections.add(self.connection)

        def finish(self):
            standin.connections.discard(self.connection)
            super().finish()

        def log_message(self, fmt, *args):  # the stand-in is quiet; its requests are in ``standin.requests``
            log.debug("alipay stand-in: " + fmt, *args)

        def _send(self, status: int, body: bytes, content_type: str = "application/json;charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            query = urlsplit(self.path).query
            return dict(parse_qsl(query, keep_blank_values=True)) | dict(parse_qsl(raw, keep_blank_values=True))

        def do_POST(self):
            path = urlsplit(self.path).path
            if path == "/gateway.do":
                started = time.perf_counter()
                params = self._form()
                if standin.delay:
                    time.sleep(standin.delay)
                self._send(200, standin.reply(*standin.gateway(params)))
                standin.timings.append((params.get("method", ""), time.perf_counter() - started))
            elif path.startswith("/qr/"):
                length = int(self.headers.get("Content-Length") or 0)
                wanted = json.loads(self.rfile.read(length) or b"{}") if length else {}
                result = standin.scan(self.path, pay=bool(wanted.get("pay", True)))
                self._send(200 if result["status"] != "unknown" else 404, json.dumps(result).encode())
            else:
                self._send(404, b'{"error":"not found"}')

        do_GET = do_POST

    return Handler
