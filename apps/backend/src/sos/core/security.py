"""Password hashing (argon2id), signed access tokens (EdDSA JWT) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sos.core.config import Settings
from sos.core.db import utcnow

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - the RFC 9068 media type
ALLOWED_ALGORITHMS = ["EdDSA"]
_CACHE_SIZE = 4096
"""Verified access tokens kept per process; clients reuse one token for many requests."""

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists, so timing does not reveal accounts."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    """Opaque tokens carry 256 random bits, so a fast hash is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_or_create_signing_key(settings: Settings) -> Ed25519PrivateKey:
    if settings.jwt_private_key is not None:
        pem = settings.jwt_private_key.get_secret_value().encode()
    else:
        pem = read_or_create_key_file(settings.jwt_key_path, _new_ed25519_pem)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the JWT signing key must be an Ed25519 private key in PEM form")
    return key


def _new_ed25519_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def read_or_create_key_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """Creates the key once, atomically: workers starting together all end up reading the same key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = make()
        draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    organization_id: UUID
    role: str
    membership_version: int
    token_id: str
    expires_at: datetime


class InvalidAccessToken(Exception):
    pass


class TokenSigner:
    def __init__(self, key: Ed25519PrivateKey, settings: Settings) -> None:
        self._key = key
        self._public: Ed25519PublicKey = key.public_key()
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._ttl = timedelta(seconds=settings.access_token_ttl_seconds)
        self._verify_cached = lru_cache(maxsize=_CACHE_SIZE)(self._verify_signature_and_claims)

    @property
    def ttl_seconds(self) -> int:
        return int(self._ttl.total_seconds())

    def issue(self, *, user_id: UUID, organization_id: UUID, role: str, membership_version: int) -> str:
        now = utcnow()
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "org": str(organization_id),
            "role": role,
            "mv": membership_version,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "jti": secrets.token_hex(12),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"typ": ACCESS_TOKEN_TYPE})

    def verify(self, token: str) -> AccessClaims:
        """Checks signature and claims once per token; later calls with the same token only re-check expiry."""
        claims = self._verify_cached(token)
        if claims.expires_at <= utcnow():
            raise InvalidAccessToken("expired")
        return claims

    def _verify_signature_and_claims(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ") != ACCESS_TOKEN_TYPE:
                raise InvalidAccessToken("not an access token")
            claims = jwt.decode(
                token,
                self._public,
                algorithms=ALLOWED_ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
            )
            return AccessClaims(
                user_id=UUID(claims["sub"]),
                organization_id=UUID(claims["org"]),
                role=str(claims["role"]),
                membership_version=int(claims["mv"]),
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise InvalidAccessToken(str(exc)) from exc
