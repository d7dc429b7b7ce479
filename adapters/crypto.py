"""Secrets at rest: Qovery tokens, webhook secrets and Slack's tokens are sealed before they reach the
database.

AES-256-GCM with a key derived from `SECRET_KEY` by HKDF-SHA256. Each sealed value is bound to a
context string (say `workspace:T123:qovery_token`), so a ciphertext copied into another row does not
open there. Format: `v1.` + urlsafe base64 of nonce (12 bytes) + ciphertext and tag.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SecretBox", "SecretTampered", "is_sealed"]

_VERSION = "v1."
_NONCE_BYTES = 12


def is_sealed(value: str) -> bool:
    """Whether a value is in the sealed format (a Slack token or URL never is)."""
    return value.startswith(_VERSION)


class SecretTampered(Exception):
    """A sealed value was altered, belongs to another context, or was sealed with another SECRET_KEY."""


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"qovery-slack",
            info=b"secrets at rest v1",
        ).derive(secret_key.encode())
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str) -> str:
        if not token.startswith(_VERSION):
            raise SecretTampered("not a sealed value")
        try:
            raw = base64.urlsafe_b64decode(token.removeprefix(_VERSION))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, context.encode()).decode()
        except (InvalidTag, ValueError):
            raise SecretTampered("sealed value does not open with this key and context") from None
