"""A stand-in of Alipay's open API gateway for tests and the demo (``AlipayStandIn``)."""
from simulator.alipay.standin import AlipayStandIn

__all__ = ["AlipayStandIn"]
