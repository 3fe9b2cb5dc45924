"""Firebase Cloud Messaging, HTTP v1 API, for the Android app: an organization's own Firebase project.

Google's OAuth2 server exchanges a JWT signed with the service account's key for an access token (an hour long,
cached per account); sends go to ``POST /v1/projects/{project}/messages:send``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import (
    AdapterConfig,
    AdapterSettings,
    HealthCheck,
    OutboundMessage,
    ProviderError,
    SendResult,
)
from sos.providers.channels.registry import ADAPTERS, AdapterSpec
from sos.providers.channels.webpush import retry_after_seconds

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 3600
TOKEN_EARLY_REFRESH_SECONDS = 300
PAGE_TTL = "3600s"
OTHER_TTL = "600s"
MAX_BODY_LENGTH = 1000
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"


def _service_url(value: str, what: str) -> str:
    """An https URL; plain http only on a loopback address (a local fake of Google's servers)."""
    parts = urlsplit(value)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not host or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ValueError(f"{what} must be an https URL")
    return value.rstrip("/")


class ServiceAccount(BaseModel):
    """The JSON key file Google gives for a service account; fields this adapter does not use are dropped."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["service_account"]
    project_id: str = Field(min_length=1, max_length=100)
    private_key_id: str = Field(min_length=1, max_length=100)
    private_key: str = Field(min_length=1, max_length=10_000, repr=False)
    client_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)
    token_uri: str = Field(default="https://oauth2.googleapis.com/token", max_length=500)

    @field_validator("private_key")
    @classmethod
    def _rsa_pem(cls, value: str) -> str:
        try:
            key = serialization.load_pem_private_key(value.encode(), password=None)
        except (ValueError, TypeError):
            raise ValueError("private_key is not an unencrypted PEM private key") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("private_key must be an RSA key")
        return value

    @field_validator("token_uri")
    @classmethod
    def _token_uri(cls, value: str) -> str:
        return _service_url(value, "token_uri")


class FcmSettings(AdapterSettings):
    project_id: str = Field(
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", description="The Firebase project the app is registered in"
    )
    api_base_url: str = Field(
        default="https://fcm.googleapis.com", max_length=500, description="Only changed for a local test server"
    )

    @field_validator("api_base_url")
    @classmethod
    def _api_base_url(cls, value: str) -> str:
        return _service_url(value, "api_base_url")


class FcmSecrets(AdapterSettings):
    service_account: ServiceAccount = Field(description="The service account's JSON key, as Google gives it")


@dataclass(frozen=True, slots=True)
class _AccessToken:
    value: str
    refresh_at: float
    """The adapter clock's time (``time.monotonic()``) after which a new token is fetched."""


_TokenKey = tuple[str, str, str]
_TOKENS: dict[_TokenKey, _AccessToken] = {}
# One fetch at a time per account, so a burst of sends after a restart asks Google for one token, not hundreds.
# asyncio locks belong to one event loop, and workers may run a loop per task.
_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_TokenKey, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _lock(key: _TokenKey) -> asyncio.Lock:
    return _LOCKS.setdefault(asyncio.get_running_loop(), {}).setdefault(key, asyncio.Lock())


def fcm_message(message: OutboundMessage) -> dict[str, Any]:
    """The ``message`` object of an FCM v1 send: what the Android app shows and reads."""
    data = {
        "notification_id": str(message.id),
        "alert_id": str(message.alert_id) if message.alert_id else None,
        "ack_url": message.ack_api_url,
        "url": message.alert_url,
        "purpose": message.purpose.value,
        "critical": "true" if message.critical else "false",
    }
    return {
        "token": message.recipient.address,
        "notification": {"title": message.title[:200], "body": message.body[:MAX_BODY_LENGTH]},
        "data": {name: value for name, value in data.items() if value is not None},
        "android": {
            "priority": "HIGH" if message.critical else "NORMAL",
            "ttl": PAGE_TTL if message.purpose is NotificationPurpose.PAGE else OTHER_TTL,
            "notification": {
                "channel_id": "sos_critical" if message.critical else "sos_alerts",
                "tag": str(message.alert_id or message.id),
            },
        },
    }


class FcmAdapter:
    def __init__(self, config: AdapterConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(config.settings, FcmSettings) or not isinstance(config.secrets, FcmSecrets):
            raise TypeError("the FCM adapter needs FcmSettings and FcmSecrets")
        self._settings = config.settings
        self._account = config.secrets.service_account
        self._http = config.http
        self._clock = clock
        self._token_key = (self._account.client_email, self._account.token_uri, self._account.private_key_id)

    async def _access_token(self, *, unless: str | None = None, fresh: bool = False) -> str:
        """The cached token, or a new one when it is due, when ``fresh``, or when it is ``unless`` (refused)."""
        async with _lock(self._token_key):
            cached = _TOKENS.get(self._token_key)
            if cached and not fresh and cached.value != unless and self._clock() < cached.refresh_at:
                return cached.value
            token = await self._fetch_token()
            _TOKENS[self._token_key] = token
            return token.value

    async def _fetch_token(self) -> _AccessToken:
        now = int(time.time())
        assertion = jwt.encode(
            {
                "iss": self._account.client_email,
                "scope": SCOPE,
                "aud": self._account.token_uri,
                "iat": now,
                "exp": now + ASSERTION_SECONDS,
            },
            self._account.private_key,
            algorithm="RS256",
            headers={"kid": self._account.private_key_id},
        )
        response = await self._request(
            "Google's token server", self._account.token_uri, data={"grant_type": JWT_BEARER, "assertion": assertion}
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderError(
                f"Google's token server failed ({response.status_code})",
                permanent=False,
                code="token_unavailable",
                retry_after=retry_after_seconds(response.headers.get("retry-after")),
            )
        body = _json(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            error = str(body.get("error") or f"http_{response.status_code}")[:64]
            # Refused credentials fail every send of this provider: transient, so its circuit breaker opens and
            # the next provider takes over, and sends resume on their own once an admin fixes the key.
            raise ProviderError(
                f"Google refused the service account credentials ({error})", permanent=False, code=error
            )
        expires_in = float(body.get("expires_in") or 0)
        refresh_at = self._clock() + expires_in - min(TOKEN_EARLY_REFRESH_SECONDS, expires_in / 2)
        return _AccessToken(value=body["access_token"], refresh_at=refresh_at)

    async def _request(self, what: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.post(url, **kwargs)
        except httpx.TimeoutException:
            raise ProviderError(f"{what} timed out", permanent=False, code="timeout") from None
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"{what} is unreachable ({type(exc).__name__})", permanent=False, code="unreachable"
            ) from None

    async def _post_message(self, payload: dict[str, Any], token: str) -> httpx.Response:
        url = f"{self._settings.api_base_url}/v1/projects/{quote(self._settings.project_id)}/messages:send"
        return await self._request("FCM", url, json=payload, headers={"authorization": f"Bearer {token}"})

    async def send(self, message: OutboundMessage) -> SendResult:
        payload = {"message": fcm_message(message)}
        token = await self._access_token()
        response = await self._post_message(payload, token)
        if response.status_code == 401:
            token = await self._access_token(unless=token)
            response = await self._post_message(payload, token)
        return _result(response)

    async def check_health(self) -> HealthCheck:
        """Fetches a new access token: proves the service account works, without sending anything."""
        try:
            await self._access_token(fresh=True)
        except ProviderError as exc:
            return HealthCheck(ok=False, detail=str(exc))
        return HealthCheck(ok=True, detail=f"Google issued an access token for project {self._settings.project_id}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True, slots=True)
class _FcmError:
    http_status: int
    status: str
    error_code: str
    token_refused: bool
    """A ``BadRequest`` detail names ``message.token``: the registration token itself is invalid."""


def _parse_error(response: httpx.Response) -> _FcmError:
    error = _json(response).get("error")
    error = error if isinstance(error, dict) else {}
    details = [detail for detail in error.get("details") or [] if isinstance(detail, dict)]
    status = str(error.get("status") or f"HTTP_{response.status_code}")[:64]
    error_code = next(
        (str(detail.get("errorCode"))[:64] for detail in details if detail.get("@type") == FCM_ERROR_TYPE), status
    )
    token_refused = any(
        isinstance(violation, dict) and violation.get("field") == "message.token"
        for detail in details
        if detail.get("@type") == BAD_REQUEST_TYPE
        for violation in detail.get("fieldViolations") or []
    )
    return _FcmError(response.status_code, status, error_code, token_refused)


def _result(response: httpx.Response) -> SendResult:
    if response.status_code == 200:
        name = _json(response).get("name")
        return SendResult(provider_message_id=name if isinstance(name, str) else None)
    error = _parse_error(response)
    code = error.error_code
    said = f"FCM answered {error.http_status} {code}"
    if code == "UNREGISTERED":
        raise ProviderError(
            f"{said}: the app was uninstalled or the token expired", permanent=True, code=code, recipient_gone=True
        )
    if code == "SENDER_ID_MISMATCH":
        raise ProviderError(
            f"{said}: the token belongs to another Firebase project", permanent=True, code=code, recipient_gone=True
        )
    if error.http_status == 400:
        if error.token_refused:
            raise ProviderError(
                f"{said}: the registration token is invalid", permanent=True, code=code, recipient_gone=True
            )
        raise ProviderError(f"{said}: the message was refused", permanent=True, code=code)
    if error.http_status in (401, 403) or error.http_status == 429 or error.http_status >= 500:
        # 401 after a fresh token, and 403 without a token problem, are the project's setup (the API disabled,
        # a role missing): every send fails until an admin fixes it, so the circuit breaker should see them.
        raise ProviderError(
            said, permanent=False, code=code, retry_after=retry_after_seconds(response.headers.get("retry-after"))
        )
    raise ProviderError(f"{said}: the message was refused", permanent=True, code=code)


def build(config: AdapterConfig) -> FcmAdapter:
    return FcmAdapter(config)


ADAPTERS.register(
    AdapterSpec(
        kind="fcm",
        channels=frozenset({NotificationChannel.FCM}),
        settings_model=FcmSettings,
        secrets_model=FcmSecrets,
        build=build,
    )
)
