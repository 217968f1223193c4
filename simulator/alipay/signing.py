"""Alipay's side of RSA2 (SHA256withRSA, PKCS#1 v1.5, base64), written on ``cryptography`` from
Alipay's documentation, independently of the SDK the product uses, so that each checks the other.

- a request's sign content: every parameter but ``sign``, empty ones dropped, sorted by name,
  ``name=value`` joined by ``&`` (``sign_type`` included);
- a reply: ``{"<method>_response": {...}, "sign": "..."}``, signed over the JSON text of the
  ``<method>_response`` value exactly as sent;
- a notification: every parameter but ``sign`` and ``sign_type``, sorted, joined the same way.
"""
from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def request_content(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def notification_content(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type"))


def sign(private_key, content: str) -> str:
    return base64.b64encode(private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key, content: str, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), content.encode(), padding.PKCS1v15(),
                          hashes.SHA256())
        return True
    except (InvalidSignature, binascii.Error, ValueError):
        return False


def new_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key) -> str:
    public = key.public_key() if hasattr(key, "public_key") else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public(pem: str):
    return serialization.load_pem_public_key(pem.encode())


def load_private(pem: str):
    return serialization.load_pem_private_key(pem.encode(), password=None)


def key_files(directory: Path) -> dict[str, Path]:
    """Both key pairs of a demo under ``directory`` (made once, kept): the app's and the stand-in's."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{name}.pem" for name in ("app-private", "app-public", "alipay-private",
                                                          "alipay-public")}
    for owner in ("app", "alipay"):
        if not paths[f"{owner}-private"].exists():
            key = new_private_key()
            paths[f"{owner}-private"].write_text(private_pem(key))
            paths[f"{owner}-private"].chmod(0o600)
            paths[f"{owner}-public"].write_text(public_pem(key))
    return paths
