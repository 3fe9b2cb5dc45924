"""Provider account use cases: an admin adds, changes and removes them and sees their health; webhooks find them."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import Conflict, NotFound
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork
from sos.notifications.domain import AttemptStatus
from sos.notifications.models import Notification, NotificationAttempt
from sos.providers.channels.base import NoSecrets
from sos.providers.channels.registry import ADAPTERS, AdapterSpec, UnknownAdapter, load_adapters
from sos.providers.domain import INSTALL_SMTP, LoadedProvider, attempt_key
from sos.providers.events import provider_event
from sos.providers.models import NotificationProvider
from sos.providers.runtime import DeliveryRuntime
from sos.providers.schemas import (
    HealthCheckRead,
    ProviderCreate,
    ProviderHealth,
    ProviderKindRead,
    ProviderRead,
    ProviderUpdate,
)
from sos.providers.secrets import SecretBox, UnreadableSecret

logger = logging.getLogger("sos.providers")

_PROVIDERS = cast(Table, NotificationProvider.__table__)


def _invalid(field: str, exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [
            {"loc": ("body", field, *error["loc"]), "msg": error["msg"], "type": error["type"]}
            for error in exc.errors(include_input=False, include_url=False)
        ]
    )


def _spec(kind: str) -> AdapterSpec:
    load_adapters()
    try:
        spec = ADAPTERS.get(kind)
    except UnknownAdapter as exc:
        raise RequestValidationError([{"loc": ("body", "kind"), "msg": str(exc), "type": "value_error"}]) from None
    if not spec.configurable:
        raise RequestValidationError(
            [{"loc": ("body", "kind"), "msg": f"{kind} is built in and needs no account", "type": "value_error"}]
        )
    return spec


def _validated(spec: AdapterSpec, settings: dict[str, Any], secrets: dict[str, Any]) -> tuple[Any, Any]:
    try:
        checked_settings = spec.settings_model.model_validate(settings)
    except ValidationError as exc:
        raise _invalid("settings", exc) from None
    try:
        checked_secrets = spec.secrets_model.model_validate(secrets)
    except ValidationError as exc:
        raise _invalid("secrets", exc) from None
    return checked_settings, checked_secrets


def loaded(row: Any, box: SecretBox) -> LoadedProvider:
    """A stored provider with its settings validated and its secrets decrypted, for sending."""
    spec = ADAPTERS.get(row.kind)
    secrets = box.open(row.secrets) if row.secrets else {}
    return LoadedProvider(
        id=row.id,
        organization_id=row.organization_id,
        kind=row.kind,
        name=row.name,
        priority=row.priority,
        rate_limit_per_second=row.rate_limit_per_second,
        version=row.version,
        settings=spec.settings_model.model_validate(row.settings),
        secrets=spec.secrets_model.model_validate(secrets),
    )


def _problem(row: Any, box: SecretBox) -> str | None:
    """Why a stored account cannot be used (its secrets no longer decrypt, its settings no longer validate)."""
    try:
        loaded(row, box)
    except UnreadableSecret as exc:
        return str(exc)
    except (ValidationError, UnknownAdapter) as exc:
        return f"its stored settings are no longer valid ({type(exc).__name__}); save them again"
    return None


async def enabled_providers(connection: AsyncConnection, box: SecretBox, organization_id: UUID) -> list[LoadedProvider]:
    """The organization's usable accounts; one that cannot be loaded is skipped (and shown to admins), so it never
    stops the others."""
    load_adapters()
    rows = await connection.execute(
        select(_PROVIDERS)
        .where(NotificationProvider.organization_id == organization_id, NotificationProvider.enabled.is_(True))
        .order_by(NotificationProvider.priority, NotificationProvider.name)
    )
    usable = []
    for row in rows:
        problem = _problem(row, box)
        if problem is None:
            usable.append(loaded(row, box))
        else:
            logger.warning("provider %s (%s) is skipped: %s", row.id, row.kind, problem)
    return usable


async def provider_for_webhook(uow: UnitOfWork, provider_id: UUID) -> LoadedProvider:
    """The provider a webhook names, to check the signature with its secrets. A disabled account still takes the
    receipts and replies for what it sent (an admin switching to a backup mid-incident must not cut off the "1"
    replies to the old number); only a deleted one is gone."""
    load_adapters()
    async with uow.read():
        row = (await uow.connection.execute(select(_PROVIDERS).where(NotificationProvider.id == provider_id))).first()
    if row is None:
        raise NotFound(f"No provider {provider_id}.", resource="notification_provider", id=str(provider_id))
    return loaded(row, DeliveryRuntime.box_for(uow))


def list_kinds() -> list[ProviderKindRead]:
    return [
        ProviderKindRead(
            kind=spec.kind,
            channels=sorted(spec.channels),
            configurable=spec.configurable,
            receipts=spec.receipts,
            settings_schema=spec.settings_model.model_json_schema(),
            secrets_schema=spec.secrets_model.model_json_schema(),
        )
        for spec in load_adapters()
    ]


async def _fetch(uow: UnitOfWork, principal: Principal, provider_id: UUID, *, lock: bool = False) -> Any:
    query = select(_PROVIDERS).where(
        NotificationProvider.id == provider_id, NotificationProvider.organization_id == principal.organization_id
    )
    row = (await uow.connection.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFound(f"No provider {provider_id}.", resource="notification_provider", id=str(provider_id))
    return row


async def _name_taken(uow: UnitOfWork, principal: Principal, name: str, *, other_than: UUID | None = None) -> None:
    query = select(NotificationProvider.id).where(
        NotificationProvider.organization_id == principal.organization_id, NotificationProvider.name == name
    )
    found = await uow.connection.scalar(query)
    if found is not None and found != other_than:
        raise Conflict(f"A provider named {name!r} exists already.", name=name)


async def create_provider(uow: UnitOfWork, principal: Principal, data: ProviderCreate) -> UUID:
    spec = _spec(data.kind)
    settings, secrets = _validated(spec, data.settings, data.secrets)
    box = DeliveryRuntime.box_for(uow)
    provider_id = new_id()
    async with uow:
        await _name_taken(uow, principal, data.name)
        now = utcnow()
        await uow.connection.execute(
            _PROVIDERS.insert().values(
                id=provider_id,
                organization_id=principal.organization_id,
                kind=spec.kind,
                name=data.name,
                priority=data.priority,
                enabled=data.enabled,
                settings=settings.model_dump(mode="json"),
                secrets=box.seal(secrets.model_dump(mode="json")),
                rate_limit_per_second=data.rate_limit_per_second,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        uow.record(_event("created", provider_id, principal, kind=spec.kind, name=data.name, enabled=data.enabled))
        await uow.commit()
    return provider_id


ENDPOINT_SETTINGS = frozenset({"host", "url", "api_base_url", "token_uri", "port"})
"""Settings that say where credentials are sent: changing one needs the credentials given again, so an account
takeover cannot point stored secrets at a server of its choosing."""


def _moves_credentials(current: dict[str, Any], wanted: dict[str, Any] | None) -> bool:
    if wanted is None:
        return False
    return any(current.get(name) != wanted.get(name) for name in ENDPOINT_SETTINGS if name in current or name in wanted)


async def update_provider(uow: UnitOfWork, principal: Principal, provider_id: UUID, data: ProviderUpdate) -> None:
    async with uow:
        row = await _fetch(uow, principal, provider_id, lock=True)
        spec = _spec(row.kind)
        box = DeliveryRuntime.box_for(uow)
        if data.secrets is None and _moves_credentials(row.settings, data.settings):
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "secrets"),
                        "msg": "give the credentials again when changing where they are sent",
                        "type": "missing",
                    }
                ]
            )
        try:
            current_secrets = box.open(row.secrets) if row.secrets and data.secrets is None else {}
        except UnreadableSecret:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "secrets"),
                        "msg": "the stored credentials cannot be read; give them again",
                        "type": "missing",
                    }
                ]
            ) from None
        settings, secrets = _validated(
            spec,
            row.settings if data.settings is None else data.settings,
            current_secrets if data.secrets is None else data.secrets,
        )
        changes: dict[str, Any] = {
            "settings": settings.model_dump(mode="json"),
            "version": row.version + 1,
            "updated_at": utcnow(),
        }
        if data.secrets is not None:
            changes["secrets"] = box.seal(secrets.model_dump(mode="json"))
        for field in ("name", "priority", "enabled"):
            if getattr(data, field) is not None:
                changes[field] = getattr(data, field)
        if "rate_limit_per_second" in data.model_fields_set:
            changes["rate_limit_per_second"] = data.rate_limit_per_second
        if "name" in changes:
            await _name_taken(uow, principal, changes["name"], other_than=provider_id)
        await uow.connection.execute(update(_PROVIDERS).where(NotificationProvider.id == provider_id).values(changes))
        changed = sorted(set(data.model_fields_set))
        uow.record(_event("updated", provider_id, principal, kind=row.kind, changed=changed))
        await uow.commit()


async def delete_provider(uow: UnitOfWork, principal: Principal, provider_id: UUID) -> None:
    async with uow:
        row = await _fetch(uow, principal, provider_id, lock=True)
        await uow.connection.execute(delete(_PROVIDERS).where(NotificationProvider.id == provider_id))
        uow.record(_event("deleted", provider_id, principal, kind=row.kind, name=row.name))
        await uow.commit()


def _event(event_type: str, provider_id: UUID, principal: Principal, **payload: Any) -> Any:
    return provider_event(
        event_type,
        provider_id=provider_id,
        organization_id=principal.organization_id,
        actor_id=principal.user_id,
        **payload,
    )


def _p95(values: Sequence[int]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def _recent_attempts(uow: UnitOfWork, organization_id: UUID) -> list[Any]:
    since = utcnow() - timedelta(hours=1)
    rows = await uow.connection.execute(
        select(
            NotificationAttempt.provider_id,
            NotificationAttempt.provider_kind,
            NotificationAttempt.status,
            NotificationAttempt.duration_ms,
            NotificationAttempt.finished_at,
            NotificationAttempt.error,
        )
        .join(Notification, Notification.id == NotificationAttempt.notification_id)
        .where(Notification.organization_id == organization_id, NotificationAttempt.started_at >= since)
        .order_by(NotificationAttempt.started_at.desc())
        .limit(20_000)
    )
    return list(rows)


async def _last_outcomes(uow: UnitOfWork, organization_id: UUID) -> dict[tuple[str, str], Any]:
    """The latest success and failure of each provider (by id, or by kind for built-ins), however old."""
    found: dict[tuple[str, str], Any] = {}
    for status in (AttemptStatus.SUCCEEDED, AttemptStatus.FAILED):
        rows = await uow.connection.execute(
            select(
                NotificationAttempt.provider_id,
                NotificationAttempt.provider_kind,
                func.max(NotificationAttempt.finished_at).label("at"),
            )
            .join(Notification, Notification.id == NotificationAttempt.notification_id)
            .where(Notification.organization_id == organization_id, NotificationAttempt.status == status)
            .group_by(NotificationAttempt.provider_id, NotificationAttempt.provider_kind)
        )
        for row in rows:
            found[(_attempt_key(row), status.value)] = row.at
    return found


def _attempt_key(row: Any) -> str:
    return attempt_key(row.provider_id, row.provider_kind)


def _health(
    provider: LoadedProvider, attempts: list[Any], last: dict[tuple[str, str], Any], runtime: DeliveryRuntime
) -> ProviderHealth:
    mine = [row for row in attempts if _attempt_key(row) == _health_key(provider)]
    failures = [row for row in mine if row.status == AttemptStatus.FAILED]
    breaker = runtime.breaker(provider.key).snapshot() if provider.id is not None else None
    return ProviderHealth(
        breaker=breaker.state if breaker else None,
        consecutive_failures=breaker.consecutive_failures if breaker else None,
        attempts_last_hour=len(mine),
        failures_last_hour=len(failures),
        success_rate_last_hour=round(1 - len(failures) / len(mine), 4) if mine else None,
        p95_latency_ms_last_hour=_p95([row.duration_ms for row in mine if row.duration_ms is not None]),
        last_success_at=last.get((_health_key(provider), AttemptStatus.SUCCEEDED.value)),
        last_failure_at=last.get((_health_key(provider), AttemptStatus.FAILED.value)),
        last_error=failures[0].error if failures else None,
    )


def _health_key(provider: LoadedProvider) -> str:
    return attempt_key(provider.id, provider.kind)


def _read(
    provider: LoadedProvider,
    enabled: bool,
    secret_fields: list[str],
    health: ProviderHealth,
    base_url: str,
    *,
    settings: dict[str, Any],
    problem: str | None,
) -> ProviderRead:
    spec = ADAPTERS.get(provider.kind)
    hooks = f"{base_url}/api/v1/webhooks/providers/{provider.id}" if provider.id is not None else None
    return ProviderRead(
        id=provider.id,
        kind=provider.kind,
        name=provider.name,
        channels=sorted(spec.channels),
        priority=provider.priority,
        enabled=enabled,
        built_in=provider.id is None,
        settings=settings,
        secret_fields=secret_fields,
        problem=problem,
        rate_limit_per_second=provider.rate_limit_per_second,
        version=provider.version,
        status_callback_url=f"{hooks}/status" if hooks and spec.receipts else None,
        inbound_url=f"{hooks}/inbound" if hooks and spec.receipts else None,
        health=health,
    )


async def list_providers(uow: UnitOfWork, principal: Principal, runtime: DeliveryRuntime) -> list[ProviderRead]:
    """The organization's accounts, then the built-in providers, each with its health over the last hour."""
    load_adapters()
    async with uow.read():
        rows = list(
            await uow.connection.execute(
                select(_PROVIDERS)
                .where(NotificationProvider.organization_id == principal.organization_id)
                .order_by(NotificationProvider.priority, NotificationProvider.name)
            )
        )
        attempts = await _recent_attempts(uow, principal.organization_id)
        last = await _last_outcomes(uow, principal.organization_id)
    base_url = runtime.settings.external_url
    reads = []
    for row in rows:
        problem = _problem(row, runtime.box)
        if problem is None:
            provider = loaded(row, runtime.box)
            fields = sorted(key for key, value in provider.secrets.model_dump().items() if value)
            shown = provider.settings.model_dump(mode="json")
        else:
            provider = _unloadable(row)
            fields, shown = [], dict(row.settings)
        health = _health(provider, attempts, last, runtime)
        reads.append(_read(provider, row.enabled, fields, health, base_url, settings=shown, problem=problem))
    for provider in runtime.built_in_providers():
        # The install-wide SMTP server is the operator's: organizations see that it exists, not its settings.
        shown = {} if provider.name == INSTALL_SMTP else provider.settings.model_dump(mode="json")
        health = _health(provider, attempts, last, runtime)
        reads.append(_read(provider, True, [], health, base_url, settings=shown, problem=None))
    return reads


def _unloadable(row: Any) -> LoadedProvider:
    return LoadedProvider(
        id=row.id,
        organization_id=row.organization_id,
        kind=row.kind,
        name=row.name,
        priority=row.priority,
        rate_limit_per_second=row.rate_limit_per_second,
        version=row.version,
        settings=NoSecrets(),
        secrets=NoSecrets(),
    )


async def get_provider(
    uow: UnitOfWork, principal: Principal, provider_id: UUID, runtime: DeliveryRuntime
) -> ProviderRead:
    for provider in await list_providers(uow, principal, runtime):
        if provider.id == provider_id:
            return provider
    raise NotFound(f"No provider {provider_id}.", resource="notification_provider", id=str(provider_id))


async def check_provider(
    uow: UnitOfWork, principal: Principal, provider_id: UUID, runtime: DeliveryRuntime
) -> HealthCheckRead:
    """Asks the provider whether it is reachable and the credentials work, without sending anything."""
    load_adapters()
    async with uow.read():
        row = await _fetch(uow, principal, provider_id)
    adapter = await runtime.adapter(loaded(row, runtime.box), runtime_uow=uow)
    started = time.perf_counter()
    try:
        result = await runtime.with_timeout(adapter.check_health())
        ok, detail = result.ok, result.detail
    except Exception as exc:
        ok, detail = False, runtime.safe_error(exc)
    return HealthCheckRead(ok=ok, detail=detail, duration_ms=int((time.perf_counter() - started) * 1000))
