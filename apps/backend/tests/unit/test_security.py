from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sos.core.config import Settings
from sos.core.db import utcnow
from sos.core.security import (
    ACCESS_TOKEN_TYPE,
    InvalidAccessToken,
    TokenSigner,
    hash_opaque_token,
    hash_password,
    load_or_create_signing_key,
    new_opaque_token,
    verify_password,
)
from tests.tokens import AUDIENCE, ISSUER, claims, forgeries, sign

KEY = Ed25519PrivateKey.generate()
SETTINGS = Settings(environment="test", jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
SIGNER = TokenSigner(KEY, SETTINGS)


def test_password_hash_is_argon2id() -> None:
    assert hash_password("s3cret-pass").startswith("$argon2id$")


def test_password_verifies_against_its_hash() -> None:
    assert verify_password(hash_password("s3cret-pass"), "s3cret-pass") is True


def test_wrong_password_does_not_verify() -> None:
    assert verify_password(hash_password("s3cret-pass"), "s3cret-pasS") is False


def test_missing_hash_never_verifies() -> None:
    assert verify_password(None, "anything") is False


def test_garbage_hash_never_verifies() -> None:
    assert verify_password("not-a-hash", "anything") is False


def test_opaque_tokens_are_unique_and_stored_as_sha256() -> None:
    first, second = new_opaque_token(), new_opaque_token()
    assert first != second
    assert len(hash_opaque_token(first)) == 64
    assert hash_opaque_token(first) == hash_opaque_token(first) != hash_opaque_token(second)


def test_issued_token_round_trips() -> None:
    user_id, org_id = uuid4(), uuid4()
    verified = SIGNER.verify(
        SIGNER.issue(user_id=user_id, organization_id=org_id, role="responder", membership_version=1)
    )
    assert (verified.user_id, verified.organization_id, verified.role) == (user_id, org_id, "responder")


def test_issued_token_has_typ_and_eddsa_header() -> None:
    header = jwt.get_unverified_header(
        SIGNER.issue(user_id=uuid4(), organization_id=uuid4(), role="admin", membership_version=1)
    )
    assert header["typ"] == ACCESS_TOKEN_TYPE
    assert header["alg"] == "EdDSA"


def test_issued_token_expires_after_the_ttl() -> None:
    verified = SIGNER.verify(SIGNER.issue(user_id=uuid4(), organization_id=uuid4(), role="admin", membership_version=1))
    remaining = (verified.expires_at - utcnow()).total_seconds()
    assert SIGNER.ttl_seconds - 5 <= remaining <= SIGNER.ttl_seconds


@pytest.mark.parametrize("name", list(forgeries(KEY, issuer=ISSUER, audience=AUDIENCE)))
def test_forged_token_is_refused(name: str) -> None:
    token = forgeries(KEY, issuer=ISSUER, audience=AUDIENCE)[name]
    with pytest.raises(InvalidAccessToken):
        SIGNER.verify(token)


def test_forgery_without_typ_really_lacks_the_header() -> None:
    token = forgeries(KEY, issuer=ISSUER, audience=AUDIENCE)["missing_typ"]
    assert "typ" not in jwt.get_unverified_header(token)


def test_the_untampered_forgery_base_is_accepted() -> None:
    assert SIGNER.verify(sign(claims(), KEY)).role == "coordinator"


def test_signing_key_comes_from_settings_pem() -> None:
    pem = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    loaded = load_or_create_signing_key(Settings(environment="test", jwt_private_key=pem.decode()))
    assert loaded.public_key().public_bytes_raw() == KEY.public_key().public_bytes_raw()


def test_signing_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path)
    first = load_or_create_signing_key(settings)
    second = load_or_create_signing_key(settings)
    assert first.public_key().public_bytes_raw() == second.public_key().public_bytes_raw()
    assert settings.jwt_key_path.stat().st_mode & 0o777 == 0o600


def test_non_ed25519_signing_key_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_or_create_signing_key(Settings(environment="test", jwt_private_key=pem.decode()))
