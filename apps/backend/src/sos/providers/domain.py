"""Provider accounts as the pipeline uses them: validated settings, opened secrets, a stable breaker key."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sos.providers.channels.base import AdapterSettings

INSTALL_SMTP = "install-smtp"
"""The key of the install-wide SMTP server from SOS_SMTP_*, used by organizations without their own."""


@dataclass(frozen=True, slots=True)
class LoadedProvider:
    id: UUID | None
    """None for built-in providers and the install-wide SMTP server."""
    organization_id: UUID | None
    kind: str
    name: str
    priority: int
    rate_limit_per_second: int | None
    version: int
    settings: AdapterSettings
    secrets: AdapterSettings

    @property
    def key(self) -> str:
        """Names its breaker, rate limit and cached adapter."""
        return str(self.id) if self.id is not None else f"builtin:{self.name}"


def attempt_key(provider_id: UUID | None, kind: str) -> str:
    """Names a provider in recorded attempts: the account's id, or the kind of a built-in provider."""
    return str(provider_id) if provider_id is not None else f"builtin:{kind}"
