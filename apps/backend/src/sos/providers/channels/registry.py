"""Which adapter kinds exist, which channels each serves, and how their settings and secrets are validated."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass

from sos.notifications.domain import NotificationChannel
from sos.providers.channels.base import AdapterFactory, AdapterSettings

ADAPTER_MODULES = (
    "sos.providers.channels.email",
    "sos.providers.channels.webpush",
    "sos.providers.channels.fcm",
    "sos.providers.channels.apns",
    "sos.providers.channels.twilio",
    "sos.providers.channels.http_sms",
    "sos.providers.channels.chat",
)


@dataclass(frozen=True, slots=True)
class AdapterSpec:
    kind: str
    """Such as ``smtp`` or ``twilio``: what an organization's provider record names."""
    channels: frozenset[NotificationChannel]
    settings_model: type[AdapterSettings]
    secrets_model: type[AdapterSettings]
    build: AdapterFactory
    configurable: bool = True
    """False for built-in kinds (Web Push, chat webhooks) that need no provider record."""
    receipts: bool = False
    """Whether the provider posts delivery receipts to the install's status callback."""


class UnknownAdapter(LookupError):
    pass


class AdapterRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, AdapterSpec] = {}

    def register(self, spec: AdapterSpec) -> AdapterSpec:
        self._specs[spec.kind] = spec
        return spec

    def get(self, kind: str) -> AdapterSpec:
        try:
            return self._specs[kind]
        except KeyError:
            raise UnknownAdapter(f"no provider kind {kind!r}; known: {', '.join(sorted(self._specs))}") from None

    def __iter__(self) -> Iterator[AdapterSpec]:
        return iter(sorted(self._specs.values(), key=lambda spec: spec.kind))


ADAPTERS = AdapterRegistry()


def load_adapters() -> AdapterRegistry:
    """The registry with every adapter module imported."""
    for module in ADAPTER_MODULES:
        importlib.import_module(module)
    return ADAPTERS
