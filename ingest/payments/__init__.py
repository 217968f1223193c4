"""Alipay payments (API.md "Payments (Alipay)"): a cart asked of Alipay (``create``), Alipay's
word that it was paid (``notify``, ``sync``) and what that records (``paid``: the purchase).

A sale paid by Alipay is recorded only on Alipay's signed word: its notification, or its
answer to ``alipay.trade.query``. Owner of ``payments`` and ``payment_mismatches``.
"""
from ingest.payments.create import PaymentRequest, create_payment, payment_view
from ingest.payments.notify import handle_notification
from ingest.payments.sync import sync_payments

__all__ = ["PaymentRequest", "create_payment", "handle_notification", "payment_view", "sync_payments"]
