"""Signed, expiring app URLs of a directory store's objects (``/api/v1/creatives/{id}?exp=&sig=``).

HMAC-SHA256 with the app's secret key over the creative, the variant (the file or
its thumbnail) and the expiry. Expiries are rounded up to the end of a 10-minute
slot, plus an hour: every URL handed out lives between 60 and 70 minutes, and a
playlist's URLs stay the same within a slot, so its ETag does too.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone

SLOT_SECONDS = 600
LIFETIME_SECONDS = 3600
PATHS = {"": "/api/v1/creatives/{id}", "thumbnail": "/api/v1/creatives/{id}/thumbnail"}


def expiry(now: datetime | None = None) -> int:
    """The unix time at which URLs issued now stop working."""
    seconds = int((now or datetime.now(timezone.utc)).timestamp())
    return (seconds // SLOT_SECONDS + 1) * SLOT_SECONDS + LIFETIME_SECONDS


def signature(secret: str, creative_id: int, exp: int, variant: str = "") -> str:
    message = f"creative-url\0{creative_id}\0{variant}\0{exp}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def app_url(secret: str, creative_id: int, exp: int, variant: str = "") -> str:
    return f"{PATHS[variant].format(id=creative_id)}?exp={exp}&sig={signature(secret, creative_id, exp, variant)}"


def valid(secret: str, creative_id: int, exp: str | None, sig: str | None, variant: str = "",
          now: datetime | None = None) -> bool:
    """The signature matches and the URL has not expired (an altered id, variant or expiry fails)."""
    if not exp or not sig or not exp.isdigit() or len(exp) > 12:
        return False
    if int(exp) <= (now or datetime.now(timezone.utc)).timestamp():
        return False
    return hmac.compare_digest(sig, signature(secret, creative_id, int(exp), variant))
