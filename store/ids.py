"""Opaque, time-ordered ids for purchases and orders."""
from __future__ import annotations

import secrets
import time

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _b32(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rem = divmod(number, 32)
        out.append(ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """``prefix`` + 10 chars of milliseconds + 12 random chars (ULID-like, sortable)."""
    return prefix + _b32(int(time.time() * 1000), 10) + _b32(secrets.randbits(60), 12)
