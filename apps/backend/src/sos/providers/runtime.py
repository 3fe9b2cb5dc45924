"""What a process needs to talk to providers: one HTTP client, the adapters, breakers, rate limits and keys.

There is one runtime per database engine (the API process, each Celery worker, each test container), attached when
the process wires itself up; jobs and request handlers find it from their unit of work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar
from uuid import UUID
from weakref import WeakKeyDictionary

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sos.core.config import Settings
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from sos.notifications.domain import CHAT_CHANNELS, NotificationChannel
from sos.providers.channels.base import AdapterConfig, ChannelAdapter, InstallContext, NoSecrets
from sos.providers.channels.registry import ADAPTERS, load_adapters
from sos.providers.domain import INSTALL_SMTP, LoadedProvider
from sos.providers.egress import GuardedTransport, egress_policy
from sos.providers.resilience import CircuitBreaker, ProviderRateLimiter
from sos.providers.secrets import SecretBox, secret_box

T = TypeVar("T")

_CONFIG_TTL_SECONDS = 2.0

_BUILT_IN_KINDS = {"webpush": frozenset({NotificationChannel.WEB_PUSH}), "chat": CHAT_CHANNELS}


class ProviderTimeout(Exception):
    pass


class DeliveryRuntime:
    _by_engine: ClassVar[WeakKeyDictionary[Engine, DeliveryRuntime]] = WeakKeyDictionary()

    def __init__(self, settings: Settings, uow_factory: UnitOfWorkFactory) -> None:
        self.settings = settings
        self.uow_factory = uow_factory
        self.box = secret_box(settings)
        self.limiter = ProviderRateLimiter(settings.rate_limit_storage_url)
        self._breakers: dict[str, CircuitBreaker] = {}
        self._adapters: dict[tuple[str, int], ChannelAdapter] = {}
        self._http: httpx.AsyncClient | None = None
        self._install: InstallContext | None = None
        self._install_lock = asyncio.Lock()
        self._configured: dict[UUID, tuple[float, list[LoadedProvider]]] = {}

    @classmethod
    def attach(cls, settings: Settings, uow_factory: UnitOfWorkFactory) -> DeliveryRuntime:
        runtime = cls(settings, uow_factory)
        cls._by_engine[uow_factory.engine.sync_engine] = runtime
        return runtime

    @classmethod
    def of(cls, engine: AsyncEngine) -> DeliveryRuntime:
        try:
            return cls._by_engine[engine.sync_engine]
        except KeyError:
            raise RuntimeError("no delivery runtime is attached to this engine; wire the process first") from None

    @classmethod
    def box_for(cls, uow: UnitOfWork) -> SecretBox:
        return cls.of(uow.engine).box

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.provider_timeout_seconds),
                transport=GuardedTransport(egress_policy(self.settings), limits=limits),
                follow_redirects=False,
            )
        return self._http

    def breaker(self, key: str) -> CircuitBreaker:
        breaker = self._breakers.get(key)
        if breaker is None:
            breaker = self._breakers[key] = CircuitBreaker(
                failures=self.settings.provider_breaker_failures,
                reset_seconds=self.settings.provider_breaker_reset_seconds,
            )
        return breaker

    async def with_timeout(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, timeout=self.settings.provider_timeout_seconds)
        except TimeoutError:
            raise ProviderTimeout(f"no answer within {self.settings.provider_timeout_seconds:g} s") from None

    @staticmethod
    def safe_error(exc: BaseException) -> str:
        """Adapters keep secrets out of their errors; anything else is reduced to its type."""
        from sos.providers.channels.base import ProviderError

        if isinstance(exc, ProviderError | ProviderTimeout):
            return str(exc)[:500]
        return f"unexpected {type(exc).__name__}"

    async def install(self, uow: UnitOfWork | None = None) -> InstallContext:
        """The install's public URL and VAPID keys, made on first use and then kept."""
        if self._install is not None:
            return self._install
        async with self._install_lock:
            if self._install is None:
                from sos.providers.vapid import ensure_vapid_keys

                keys = await ensure_vapid_keys(uow or self.uow_factory(), self.box)
                self._install = InstallContext(
                    public_url=self.settings.external_url,
                    vapid_private_key_pem=keys.private_key_pem,
                    vapid_public_key=keys.public_key,
                    vapid_subject=self.settings.vapid_subject,
                )
        return self._install

    async def adapter(self, provider: LoadedProvider, *, runtime_uow: UnitOfWork | None = None) -> ChannelAdapter:
        cached = self._adapters.get((provider.key, provider.version))
        if cached is not None:
            return cached
        install = await self.install(None)
        spec = ADAPTERS.get(provider.kind)
        adapter = spec.build(
            AdapterConfig(
                provider_id=provider.id,
                name=provider.name,
                settings=provider.settings,
                secrets=provider.secrets,
                http=self.http,
                install=install,
            )
        )
        self._adapters[(provider.key, provider.version)] = adapter
        return adapter

    def built_in_providers(self) -> list[LoadedProvider]:
        """Web Push and chat webhooks, which need no account, and the install-wide SMTP server when set."""
        load_adapters()
        providers = [_built_in(kind) for kind in _BUILT_IN_KINDS]
        smtp = self.install_smtp()
        return providers + ([smtp] if smtp else [])

    def install_smtp(self) -> LoadedProvider | None:
        from sos.providers.channels.email import install_smtp_config

        config = install_smtp_config(self.settings)
        if config is None:
            return None
        settings, secrets = config
        return LoadedProvider(
            id=None,
            organization_id=None,
            kind="smtp",
            name=INSTALL_SMTP,
            priority=10_000,
            rate_limit_per_second=None,
            version=1,
            settings=settings,
            secrets=secrets,
        )

    async def configured_providers(
        self,
        connection: AsyncConnection,
        organization_id: UUID,
        load: Callable[[AsyncConnection, SecretBox, UUID], Awaitable[list[LoadedProvider]]],
    ) -> list[LoadedProvider]:
        """The organization's enabled accounts, read at most every few seconds: a change takes effect that soon."""
        cached = self._configured.get(organization_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < _CONFIG_TTL_SECONDS:
            return cached[1]
        providers = await load(connection, self.box, organization_id)
        self._configured[organization_id] = (now, providers)
        return providers

    def forget_configuration(self, organization_id: UUID) -> None:
        self._configured.pop(organization_id, None)

    def providers_for(self, channel: NotificationChannel, configured: list[LoadedProvider]) -> list[LoadedProvider]:
        """In failover order: the organization's accounts serving ``channel`` by priority, then the built-ins."""
        load_adapters()
        own = [provider for provider in configured if channel in ADAPTERS.get(provider.kind).channels]
        built_in = [
            provider for provider in self.built_in_providers() if channel in ADAPTERS.get(provider.kind).channels
        ]
        if channel is NotificationChannel.EMAIL and own:
            built_in = []
        return own + built_in

    async def reset(self) -> None:
        """Forgets breakers, cached configuration and adapters (tests start each case from a clean slate)."""
        await self.close()
        self._breakers.clear()
        self._configured.clear()
        self._install = None

    async def close(self) -> None:
        for adapter in self._adapters.values():
            closer: Any = getattr(adapter, "aclose", None)
            if closer is not None:
                await closer()
        self._adapters.clear()
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def _built_in(kind: str) -> LoadedProvider:
    spec = ADAPTERS.get(kind)
    return LoadedProvider(
        id=None,
        organization_id=None,
        kind=kind,
        name=kind,
        priority=10_000,
        rate_limit_per_second=None,
        version=1,
        settings=spec.settings_model(),
        secrets=NoSecrets(),
    )
