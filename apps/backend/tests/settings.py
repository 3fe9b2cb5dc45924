"""Settings for an app under test: a throwaway signing key and a quiet, quickly polling relay."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sos.core.config import Settings

TEST_KEY_PEM = (
    Ed25519PrivateKey.generate()
    .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    .decode()
)


def make_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=data_dir,
        jwt_private_key=TEST_KEY_PEM,
        outbox_poll_seconds=1.0,
        # The concurrency tests queue more requests than the pool holds; on a loaded CI machine, 5 s is not enough.
        database_pool_timeout_seconds=30.0,
        # Tests drive the scheduler themselves (`container.scheduler.tick(now=...)`), so time can be moved at will.
        run_scheduler_in_process=False,
        log_level="WARNING",
        # Tests never pick up a console built in the checkout; tests/unit/test_web_console.py builds its own.
        web_dir=data_dir / "no-web-console",
    )
