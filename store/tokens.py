"""Secrets shown once and stored only as hashes."""
from __future__ import annotations

import hashlib
import secrets

PREFIXES = {"station": "bfs_", "driver": "bfd_", "device": "bfv_", "screen": "bfk_"}


def new_token(kind: str) -> str:
    """A high-entropy token; its prefix tells a human what it is for."""
    return PREFIXES[kind] + secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    # Tokens carry 192 random bits, so a fast hash is enough (no stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()
