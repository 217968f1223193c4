"""RSA keys given as settings: PEM text, a path to a PEM file, or the bare base64 of Alipay's key tool.

Checked at start with the library that signs (pycryptodomex, under python-alipay-sdk),
so a key that loads here is a key the Alipay client can use.
"""
from __future__ import annotations

import base64
import binascii
from pathlib import Path

from Cryptodome.PublicKey import RSA

MAX_FILE_BYTES = 64 * 1024


def pem_text(value: str, *, private: bool) -> str:
    """The key as PEM text; ``ValueError`` saying why when it is not an RSA key of the right kind."""
    text = value.strip()
    if "-----BEGIN" not in text:
        path = Path(text).expanduser()
        try:
            is_file = path.is_file()
        except OSError:  # bare base64 has '/' in it: a "name" over 255 characters is a key, not a file
            is_file = False
        if is_file:
            try:
                text = path.read_text(encoding="ascii")[:MAX_FILE_BYTES].strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot read the key file {path}: {exc}") from None
    try:
        key = RSA.import_key(text if "-----BEGIN" in text else base64.b64decode(text, validate=True))
    except (ValueError, IndexError, TypeError, binascii.Error):
        kind = "private" if private else "public"
        raise ValueError(f"not an RSA {kind} key (PEM text, a PEM file's path, or the bare base64 of the key)") \
            from None
    if private and not key.has_private():
        raise ValueError("is a public key; the app's private key is needed here")
    if key.size_in_bits() < 2048:
        raise ValueError(f"is a {key.size_in_bits()}-bit key; RSA2 needs 2048 bits or more")
    return key.export_key("PEM").decode() if private else key.public_key().export_key("PEM").decode()
