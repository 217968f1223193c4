"""The stand-in's ledger of trades: precreate, scan and pay, query, close, refund, as Alipay answers them.

Replies are the ``<method>_response`` bodies of Alipay's documentation (code 10000 on
success; 40004 with Alipay's ``sub_code`` otherwise). A precreated trade is not known to
``query``/``close`` until a passenger scans it (``ACQ.TRADE_NOT_EXIST``), as at Alipay,
and cannot be paid after its ``timeout_express``.
"""
from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def now() -> datetime:
    return datetime.now(BEIJING).replace(microsecond=0)


def stamp(moment: datetime | None) -> str | None:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def fen(amount) -> int | None:
    if not isinstance(amount, str) or not AMOUNT.match(amount):
        return None
    try:
        return int(Decimal(amount) * 100)
    except InvalidOperation:
        return None


def yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def failed(sub_code: str, sub_msg: str, **extra) -> dict:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg, **extra}


@dataclass
class Trade:
    out_trade_no: str
    total_cents: int
    subject: str
    notify_url: str | None
    token: str
    created_at: datetime
    expires_at: datetime
    status: str = "CREATED"  # CREATED (not scanned) | WAIT_BUYER_PAY | TRADE_SUCCESS | TRADE_CLOSED
    trade_no: str | None = None
    paid_at: datetime | None = None
    refunds: dict[str, int] = field(default_factory=dict)  # out_request_no -> fen

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())


class Trades:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.by_no: dict[str, Trade] = {}
        self.by_token: dict[str, Trade] = {}
        self.lock = threading.Lock()

    def precreate(self, biz: dict, notify_url: str | None) -> dict:
        out_trade_no, total = biz.get("out_trade_no"), fen(biz.get("total_amount"))
        if not isinstance(out_trade_no, str) or not 0 < len(out_trade_no) <= 64 or not biz.get("subject"):
            return failed("ACQ.INVALID_PARAMETER", "参数无效 out_trade_no / subject")
        if total is None or not 1 <= total <= 100_000_000 * 100:
            return failed("ACQ.INVALID_PARAMETER", "参数无效 total_amount")
        minutes = int(str(biz.get("timeout_express") or "120m").rstrip("m") or 120)
        with self.lock:
            trade = self.by_no.get(out_trade_no)
            if trade is not None:  # Alipay answers a repeat with the same code while nothing changed
                if trade.status == "TRADE_SUCCESS":
                    return failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
                if trade.total_cents != total or trade.status == "TRADE_CLOSED":
                    return failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            else:
                created = now()
                trade = Trade(out_trade_no, total, str(biz["subject"]), notify_url, secrets.token_urlsafe(12),
                              created, created + timedelta(minutes=minutes))
                self.by_no[out_trade_no] = self.by_token[trade.token] = trade
        return {"code": "10000", "msg": "Success", "out_trade_no": out_trade_no, "qr_code": self.qr_code(trade)}

    def qr_code(self, trade: Trade) -> str:
        return f"{self.base_url}/qr/{trade.token}"

    def scan(self, token: str, pay: bool = True) -> tuple[Trade | None, str]:
        """A passenger scans the code (and pays): the trade and what happened."""
        with self.lock:
            trade = self.by_token.get(token)
            if trade is None:
                return None, "unknown code"
            if trade.status in ("TRADE_SUCCESS", "TRADE_CLOSED"):
                return trade, f"trade is {trade.status}"
            if now() > trade.expires_at:
                trade.status = "TRADE_CLOSED"
                return trade, "the code has expired"
            trade.status = "WAIT_BUYER_PAY"
            if trade.trade_no is None:
                trade.trade_no = now().strftime("%Y%m%d") + "22001" + f"{secrets.randbelow(10 ** 16):016d}"
            if pay:
                trade.status, trade.paid_at = "TRADE_SUCCESS", now()
            return trade, trade.status

    def query(self, biz: dict) -> dict:
        trade = self._scanned(biz)
        if trade is None:
            return failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        body = {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                "trade_status": trade.status, "total_amount": yuan(trade.total_cents),
                "buyer_logon_id": "sim***@example.com"}
        if trade.paid_at:
            body["send_pay_date"] = stamp(trade.paid_at)
        return body

    def close(self, biz: dict) -> tuple[dict, Trade | None]:
        trade = self._scanned(biz)
        if trade is None:
            return failed("ACQ.TRADE_NOT_EXIST", "交易不存在"), None
        with self.lock:
            if trade.status != "WAIT_BUYER_PAY":
                return failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"), None
            trade.status = "TRADE_CLOSED"
        return {"code": "10000", "msg": "Success", "trade_no": trade.trade_no,
                "out_trade_no": trade.out_trade_no}, trade

    def refund(self, biz: dict) -> dict:
        trade = self._scanned(biz)
        amount, request_no = fen(biz.get("refund_amount")), biz.get("out_request_no") or biz.get("out_trade_no")
        if trade is None:
            return failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if amount is None or amount <= 0:
            return failed("ACQ.INVALID_PARAMETER", "参数无效 refund_amount")
        with self.lock:
            if trade.status != "TRADE_SUCCESS":
                return failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            changed = "N"
            if request_no in trade.refunds:  # a repeat of one refund: nothing moves again
                if trade.refunds[request_no] != amount:
                    return failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额与原请求不一致")
            elif trade.refunded + amount > trade.total_cents:
                return failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            else:
                trade.refunds[request_no], changed = amount, "Y"
        return {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                "buyer_logon_id": "sim***@example.com", "fund_change": changed,
                "refund_fee": yuan(trade.refunded), "gmt_refund_pay": stamp(now())}

    def _scanned(self, biz: dict) -> Trade | None:
        trade = self.by_no.get(biz.get("out_trade_no") or "")
        if trade is None and biz.get("trade_no"):
            trade = next((t for t in self.by_no.values() if t.trade_no == biz["trade_no"]), None)
        return None if trade is None or trade.status == "CREATED" else trade
