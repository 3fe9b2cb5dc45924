"""Posts to a user's Slack, Microsoft Teams or Mattermost channel through its incoming-webhook URL.

Apprise is not used here, though it knows these services: its Slack plugin rebuilds the URL on the fixed host
``hooks.slack.com``, its Teams (Workflows) plugin always posts over https to Microsoft hosts and has no legacy
``webhook.office.com`` support, and for every service it reports only success or failure, never the HTTP status or
``Retry-After`` that decide whether a failure is permanent, whether the webhook is gone, and when to retry. So each
service's documented webhook payload is posted here directly, with the install's shared HTTP client.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import (
    AdapterConfig,
    HealthCheck,
    NoSecrets,
    OutboundMessage,
    ProviderError,
    SendResult,
)
from sos.providers.channels.registry import ADAPTERS, AdapterSpec

MAX_URL_LENGTH = 2048
GONE_STATUSES = frozenset({403, 404, 410})
"""The webhook was deleted or revoked, or its channel archived: it will not work again."""

SERVICE_NAMES = {
    NotificationChannel.SLACK: "Slack",
    NotificationChannel.TEAMS: "Microsoft Teams",
    NotificationChannel.MATTERMOST: "Mattermost",
}

_SLACK_PATH = re.compile(r"^/services/[A-Z0-9]+/[A-Z0-9]+/[A-Za-z0-9]+/?$")
_SLACK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
_TEAMS_HOST_SUFFIXES = (".webhook.office.com", ".logic.azure.com", ".environment.api.powerplatform.com")
_MATTERMOST_PATH = re.compile(r"^(?:/[^/]+)*/hooks/[A-Za-z0-9]+/?$")
_SLACK_ERROR = re.compile(r"^[a-z_]{1,64}$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~<>&])")


def validate_chat_webhook(channel: NotificationChannel, url: str, *, allow_loopback_http: bool) -> str:
    """The webhook URL, trimmed, if it is plausible for the service; ValueError saying what is expected otherwise.

    The messages never repeat the URL: it is a secret that lets anyone post to the channel.
    """
    if channel not in SERVICE_NAMES:
        raise ValueError(f"{channel} is not a chat channel")
    channel = NotificationChannel(channel)
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or any(char.isspace() for char in url):
        raise ValueError("the webhook URL is too long or contains spaces")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError("the webhook URL is malformed") from None
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise ValueError("the webhook URL must not contain credentials or a fragment")
    host = (parts.hostname or "").lower()
    if allow_loopback_http and parts.scheme == "http" and host == "127.0.0.1":
        return url
    if parts.scheme != "https" or not host:
        raise ValueError("the webhook URL must start with https://")
    if channel == NotificationChannel.SLACK and not (host in _SLACK_HOSTS and _SLACK_PATH.match(parts.path)):
        raise ValueError("a Slack webhook URL looks like https://hooks.slack.com/services/T…/B…/…")
    if channel == NotificationChannel.TEAMS and not (host.endswith(_TEAMS_HOST_SUFFIXES) and len(parts.path) > 1):
        raise ValueError(
            "a Microsoft Teams webhook URL is a Workflows URL on logic.azure.com or "
            "environment.api.powerplatform.com, or an incoming webhook on webhook.office.com"
        )
    if channel == NotificationChannel.MATTERMOST and not _MATTERMOST_PATH.match(parts.path):
        raise ValueError("a Mattermost webhook URL looks like https://<your server>/hooks/<id>")
    return url


def _title(message: OutboundMessage) -> str:
    title = " ".join(message.title.split())
    if message.purpose == NotificationPurpose.PAGE and message.critical:
        return f"[CRITICAL] {title}"
    return title


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown_escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _links(message: OutboundMessage) -> list[tuple[str, str]]:
    links = []
    if message.ack_url:
        links.append(("Acknowledge", message.ack_url))
    if message.alert_url:
        links.append(("Open alert", message.alert_url))
    return links


def slack_payload(message: OutboundMessage) -> dict[str, Any]:
    """Block Kit for an incoming webhook; ``text`` is the notification and screen-reader fallback."""
    title, body = _title(message), message.body[:2900]
    fallback = [f"*{_slack_escape(title)}*", _slack_escape(body)]
    fallback += [f"<{url}|{label}>" for label, url in _links(message)]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    if body.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(body)}})
    buttons: list[dict[str, Any]] = []
    for label, url in _links(message):
        button: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}
        if label == "Acknowledge":
            button["style"] = "primary"
        buttons.append(button)
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return {"text": "\n".join(fallback)[:3900], "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def teams_payload(message: OutboundMessage) -> dict[str, Any]:
    """An Adaptive Card message, which both Teams Workflows and incoming webhooks take."""
    title: dict[str, Any] = {
        "type": "TextBlock",
        "text": _title(message),
        "size": "Large",
        "weight": "Bolder",
        "wrap": True,
    }
    if message.critical:
        title["color"] = "Attention"
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [title, {"type": "TextBlock", "text": message.body[:10000], "wrap": True}],
        "msteams": {"width": "Full"},
    }
    actions = [{"type": "Action.OpenUrl", "title": label, "url": url} for label, url in _links(message)]
    if actions:
        card["actions"] = actions
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def mattermost_payload(message: OutboundMessage) -> dict[str, Any]:
    """Markdown ``text``, the format every Mattermost version's incoming webhooks take."""
    lines = [f"#### {_markdown_escape(_title(message))}", _markdown_escape(message.body[:15000])]
    links = " · ".join(f"[{label}]({url})" for label, url in _links(message))
    if links:
        lines += ["", f"**{links}**" if message.ack_url else links]
    return {"text": "\n".join(lines)}


PAYLOADS: dict[NotificationChannel, Callable[[OutboundMessage], dict[str, Any]]] = {
    NotificationChannel.SLACK: slack_payload,
    NotificationChannel.TEAMS: teams_payload,
    NotificationChannel.MATTERMOST: mattermost_payload,
}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _failure(channel: NotificationChannel, response: httpx.Response) -> ProviderError:
    service, status = SERVICE_NAMES[channel], response.status_code
    reason = response.text.strip() if channel == NotificationChannel.SLACK else ""
    detail = f"{status} {reason}" if _SLACK_ERROR.match(reason) else str(status)
    code = f"{channel.value}-{status}"
    if status == 429 or status == 408 or status >= 500:
        return ProviderError(
            f"{service} could not take the message now ({detail})",
            permanent=False,
            code=code,
            retry_after=_retry_after(response),
        )
    gone = status in GONE_STATUSES
    what = "the webhook no longer works" if gone else "it refused the message"
    return ProviderError(f"{service}: {what} ({detail})", permanent=True, code=code, recipient_gone=gone)


class ChatAdapter:
    def __init__(self, config: AdapterConfig) -> None:
        self._http = config.http

    async def send(self, message: OutboundMessage) -> SendResult:
        channel = NotificationChannel(message.recipient.channel)
        build = PAYLOADS.get(channel)
        if build is None:
            raise ProviderError(f"{channel} is not a chat channel", permanent=True, code="chat-channel")
        service = SERVICE_NAMES[channel]
        try:
            response = await self._http.post(message.recipient.address, json=build(message))
        except httpx.TimeoutException:
            raise ProviderError(f"{service} timed out", permanent=False, code=f"{channel.value}-timeout") from None
        except (httpx.HTTPError, ValueError):
            # httpx's messages quote the URL, which is the webhook's secret.
            raise ProviderError(f"cannot reach {service}", permanent=False, code=f"{channel.value}-connect") from None
        if not response.is_success:
            raise _failure(channel, response)
        # A webhook answers only once the post is in the channel: that is delivery.
        return SendResult(provider_message_id=None, delivered=True)

    async def check_health(self) -> HealthCheck:
        return HealthCheck(
            ok=True,
            detail="incoming webhooks have no test call; each user's webhook is checked by every message sent to it",
        )


ADAPTERS.register(
    AdapterSpec(
        kind="chat",
        channels=frozenset(SERVICE_NAMES),
        settings_model=NoSecrets,
        secrets_model=NoSecrets,
        build=ChatAdapter,
        configurable=False,
        receipts=False,
    )
)
