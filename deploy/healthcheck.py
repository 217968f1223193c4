"""Container health check: exit 0 when this container's web server answers /healthz.

The slim image has no curl, and Python is already there. The port comes from
BUYFREE_WEB_PORT (the one gunicorn.conf.py binds), 8050 by default.
"""
from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("BUYFREE_WEB_PORT", "8050")
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=float(os.environ.get("BUYFREE_HEALTHCHECK_TIMEOUT", "3"))) as reply:
            ok = reply.status == 200
    except Exception as exc:  # refused, timed out, 5xx: all mean unhealthy
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
