"""Opaque, time-ordered ids for purchases and orders.

``prefix`` + 10 base32 characters of Unix milliseconds + 12 of random bits
(ULID-like: ids sort by creation time). The random part only has to keep ids of
the same millisecond apart, so it comes from the process's Mersenne Twister,
which Python reseeds in every forked worker; the operating system's generator
cost a system call per id, a few percent of a 500-purchase batch.
"""
from __future__ import annotations

import base64
import random
import time

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())  # from RFC 4648's


def new_id(prefix: str) -> str:
    # 50 bits of milliseconds, then 60 random: 110 bits, sent as 120 (15 bytes, 24 characters)
    # whose two leading zero characters are cut off.
    number = (int(time.time() * 1000) << 60) | random.getrandbits(60)
    return prefix + base64.b32encode(number.to_bytes(15, "big")).translate(_CROCKFORD)[2:].decode()
