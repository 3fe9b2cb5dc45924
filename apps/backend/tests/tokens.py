"""Access tokens built by hand, including forged ones that a signer must refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sos.core.db import utcnow
from sos.core.security import ACCESS_TOKEN_TYPE

ISSUER, AUDIENCE = "sos-test", "sos-test-api"


def claims(*, issuer: str = ISSUER, audience: str = AUDIENCE, **overrides: Any) -> dict[str, Any]:
    now = int(utcnow().timestamp())
    body: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": str(uuid4()),
        "org": str(uuid4()),
        "role": "coordinator",
        "mv": 1,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "abc",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"


def hs256_with_public_key(key: Ed25519PrivateKey, payload: dict[str, Any]) -> str:
    """The algorithm-confusion attack: an HMAC signed with the (public) verification key as the secret."""
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned({"alg": "HS256", "typ": ACCESS_TOKEN_TYPE}, payload)
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def sign(payload: dict[str, Any], key: Ed25519PrivateKey, *, typ: str | None = ACCESS_TOKEN_TYPE) -> str:
    return jwt.encode(payload, key, algorithm="EdDSA", headers={"typ": typ})


def forgeries(key: Ed25519PrivateKey, *, issuer: str, audience: str) -> dict[str, str]:
    """Tokens that must all be refused by a signer holding ``key`` and expecting ``issuer`` and ``audience``."""
    now = int(utcnow().timestamp())

    def good(**overrides: Any) -> dict[str, Any]:
        return claims(issuer=issuer, audience=audience, **overrides)

    return {
        "other_key": sign(good(), Ed25519PrivateKey.generate()),
        "alg_none": _unsigned({"alg": "none", "typ": ACCESS_TOKEN_TYPE}, good()) + ".",
        "hs256_with_public_key": hs256_with_public_key(key, good()),
        "wrong_audience": sign(good(aud="someone-else"), key),
        "wrong_issuer": sign(good(iss="evil"), key),
        "expired": sign(good(iat=now - 600, nbf=now - 600, exp=now - 1), key),
        "missing_typ": sign(good(), key, typ=None),
        "wrong_typ": sign(good(), key, typ="JWT"),
        "missing_exp": sign(good(exp=None), key),
        "missing_org": sign(good(org=None), key),
        "missing_membership_version": sign(good(mv=None), key),
        "bad_sub": sign(good(sub="not-a-uuid"), key),
        "not_yet_valid": sign(good(nbf=now + 600), key),
        "tampered_payload": _tamper(sign(good(role="reporter"), key)),
        "garbage": "not.a.jwt",
    }


def _tamper(token: str) -> str:
    header, _payload, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims(role='admin')).encode())}.{signature}"
