"""The install's own VAPID key pair (RFC 8292): how push services know Web Push messages come from this install.

Browsers subscribe with the public key as ``applicationServerKey``; the private key signs every push. The pair is
made once per install and kept in ``install_keys`` with the private half encrypted, so every replica signs with it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from sos.core.db import utcnow
from sos.core.uow import UnitOfWork
from sos.providers.models import InstallKey
from sos.providers.secrets import SecretBox

VAPID_KEY_NAME = "vapid"


@dataclass(frozen=True, slots=True)
class VapidKeys:
    private_key_pem: str
    public_key: str
    """The uncompressed P-256 point, base64url without padding: the browser's ``applicationServerKey``."""

    def __repr__(self) -> str:
        return f"VapidKeys(public_key={self.public_key!r})"


def public_key_of(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def generate_vapid_keys() -> VapidKeys:
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return VapidKeys(private_key_pem=pem, public_key=public_key_of(private_key))


async def _stored(uow: UnitOfWork, box: SecretBox) -> VapidKeys | None:
    async with uow.read():
        row = (
            await uow.connection.execute(
                select(InstallKey.public, InstallKey.private).where(InstallKey.name == VAPID_KEY_NAME)
            )
        ).first()
    if row is None:
        return None
    return VapidKeys(private_key_pem=str(box.open(row.private)["pem"]), public_key=row.public)


async def ensure_vapid_keys(uow: UnitOfWork, box: SecretBox) -> VapidKeys:
    """The install's VAPID pair, made on first use; when replicas race to make it, the first one stored wins."""
    stored = await _stored(uow, box)
    if stored is not None:
        return stored
    keys = generate_vapid_keys()
    try:
        async with uow:
            await uow.connection.execute(
                insert(InstallKey).values(
                    name=VAPID_KEY_NAME,
                    public=keys.public_key,
                    private=box.seal({"pem": keys.private_key_pem}),
                    created_at=utcnow(),
                )
            )
            await uow.commit()
    except IntegrityError:
        winner = await _stored(uow, box)
        if winner is None:
            raise
        return winner
    return keys
