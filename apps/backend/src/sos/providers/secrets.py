"""Encryption at rest for stored credentials: provider secrets, chat webhook URLs and push subscriptions.

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``; the key comes from SOS_SECRETS_KEY or a key file the
embedded install creates for itself beside its database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from sos.core.config import Settings
from sos.core.security import read_or_create_key_file


class UnreadableSecret(Exception):
    """Stored secrets that this install's key cannot decrypt: the key changed, or the data was tampered with."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key

    def derive_key(self, purpose: bytes) -> bytes:
        """A separate key for another use (such as signing), so the encryption key itself is never reused."""
        return hmac.new(self._key, purpose, hashlib.sha256).digest()

    def seal(self, value: dict[str, Any]) -> str:
        """A Fernet token: URL-safe base64 text, stored in a text column."""
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(sealed))
        except InvalidToken:
            raise UnreadableSecret("stored secrets cannot be decrypted with this install's SOS_SECRETS_KEY") from None
        return opened


def secret_box(settings: Settings) -> SecretBox:
    return _box(settings.secrets_key.get_secret_value() if settings.secrets_key else None, settings.secrets_key_path)


@cache
def _box(key: str | None, path: Any) -> SecretBox:
    return SecretBox(key.encode() if key else read_or_create_key_file(path, Fernet.generate_key).strip())
