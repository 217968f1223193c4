"""``python -m simulator.alipay``: the stand-in as a process of its own (the demo runs it)."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from simulator.alipay.standin import AlipayStandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.alipay", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--app-public-key", type=Path, required=True, help="PEM file: the app's public key")
    parser.add_argument("--private-key", type=Path, required=True, help="PEM file: the stand-in's own key")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s alipay-standin %(message)s")
    standin = AlipayStandIn(args.app_id, args.app_public_key.read_text(), args.private_key.read_text(),
                            host=args.host, port=args.port).start()
    print(f"Alipay stand-in on {standin.gateway_url}", flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
