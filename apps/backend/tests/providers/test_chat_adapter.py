"""The chat adapter against a loopback server speaking Slack's, Teams' and Mattermost's incoming webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import (
    AdapterConfig,
    InstallContext,
    NoSecrets,
    OutboundMessage,
    ProviderError,
    Recipient,
)
from sos.providers.channels.chat import ChatAdapter, validate_chat_webhook
from sos.providers.channels.registry import ADAPTERS
from tests.providers.chat_server import ChatWebhookServer, Reply
from tests.providers.smtp_server import free_port

PUBLIC_URL = "http://127.0.0.1:8000"
ACK_URL = f"{PUBLIC_URL}/api/v1/ack/tok-123"


@pytest.fixture
async def server() -> AsyncIterator[ChatWebhookServer]:
    async with ChatWebhookServer() as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def adapter(http: httpx.AsyncClient) -> ChatAdapter:
    return ChatAdapter(
        AdapterConfig(
            provider_id=None,
            name="chat",
            settings=NoSecrets(),
            secrets=NoSecrets(),
            http=http,
            install=InstallContext(public_url=PUBLIC_URL),
        )
    )


def page(channel: NotificationChannel, url: str, **overrides: Any) -> OutboundMessage:
    alert_id = uuid4()
    values: dict[str, Any] = {
        "id": uuid4(),
        "organization_id": uuid4(),
        "recipient": Recipient(channel=channel, address=url),
        "purpose": NotificationPurpose.PAGE,
        "title": "SOS: fall at loading dock",
        "body": "Reported by Dana. Location: warehouse B",
        "critical": True,
        "alert_id": alert_id,
        "alert_url": f"{PUBLIC_URL}/alerts/view?id={alert_id}",
        "ack_url": ACK_URL,
    }
    values.update(overrides)
    return OutboundMessage(**values)


async def send(
    server: ChatWebhookServer, http: httpx.AsyncClient, channel: NotificationChannel, **overrides: Any
) -> dict[str, Any]:
    message = page(channel, server.url_for(channel), **overrides)
    result = await adapter(http).send(message)
    assert result.delivered
    (post,) = server.posts
    assert post.service == channel
    assert post.content_type == "application/json"
    return post.payload


async def failure_of(http: httpx.AsyncClient, channel: NotificationChannel, url: str) -> ProviderError:
    with pytest.raises(ProviderError) as failure:
        await adapter(http).send(page(channel, url))
    return failure.value


async def test_slack_gets_block_kit_with_an_acknowledge_button(
    server: ChatWebhookServer, http: httpx.AsyncClient
) -> None:
    payload = await send(server, http, NotificationChannel.SLACK)
    header, section, actions = payload["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "[CRITICAL] SOS: fall at loading dock"}}
    assert section["text"] == {"type": "mrkdwn", "text": "Reported by Dana. Location: warehouse B"}
    ack, open_alert = actions["elements"]
    assert (ack["type"], ack["text"]["text"], ack["url"]) == ("button", "Acknowledge", ACK_URL)
    assert open_alert["text"]["text"] == "Open alert"
    assert open_alert["url"].startswith(f"{PUBLIC_URL}/alerts/view?id=")
    assert f"<{ACK_URL}|Acknowledge>" in payload["text"]


async def test_teams_gets_an_adaptive_card_with_an_acknowledge_action(
    server: ChatWebhookServer, http: httpx.AsyncClient
) -> None:
    payload = await send(server, http, NotificationChannel.TEAMS)
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert [block["text"] for block in card["body"]] == [
        "[CRITICAL] SOS: fall at loading dock",
        "Reported by Dana. Location: warehouse B",
    ]
    assert card["body"][0]["color"] == "Attention"
    assert [(action["type"], action["title"]) for action in card["actions"]] == [
        ("Action.OpenUrl", "Acknowledge"),
        ("Action.OpenUrl", "Open alert"),
    ]
    assert card["actions"][0]["url"] == ACK_URL


async def test_mattermost_gets_markdown_with_an_acknowledge_link(
    server: ChatWebhookServer, http: httpx.AsyncClient
) -> None:
    payload = await send(server, http, NotificationChannel.MATTERMOST)
    assert set(payload) == {"text"}
    lines = payload["text"].split("\n")
    assert lines[0] == "#### \\[CRITICAL\\] SOS: fall at loading dock"
    assert lines[1] == "Reported by Dana. Location: warehouse B"
    assert f"[Acknowledge]({ACK_URL})" in lines[-1]
    assert "[Open alert](" in lines[-1]


async def test_a_message_without_an_ack_link_has_no_acknowledge_button(
    server: ChatWebhookServer, http: httpx.AsyncClient
) -> None:
    payload = await send(
        server, http, NotificationChannel.SLACK, purpose=NotificationPurpose.TEST, title="Test", ack_url=None
    )
    (button,) = payload["blocks"][-1]["elements"]
    assert button["text"]["text"] == "Open alert"
    assert "Acknowledge" not in payload["text"]


async def test_slack_control_sequences_in_the_text_are_escaped(
    server: ChatWebhookServer, http: httpx.AsyncClient
) -> None:
    payload = await send(server, http, NotificationChannel.SLACK, body="<!channel> see <https://evil.example|here>")
    assert payload["blocks"][1]["text"]["text"] == "&lt;!channel&gt; see &lt;https://evil.example|here&gt;"
    assert "<!channel>" not in payload["text"]


async def test_mattermost_markdown_in_the_text_is_escaped(server: ChatWebhookServer, http: httpx.AsyncClient) -> None:
    payload = await send(server, http, NotificationChannel.MATTERMOST, body="[click](https://evil.example) *now*")
    assert "\\[click\\](https://evil.example) \\*now\\*" in payload["text"]


@pytest.mark.parametrize(
    ("channel", "reply", "code"),
    [
        (NotificationChannel.SLACK, Reply.slack_error(404, "no_service"), "slack-404"),
        (NotificationChannel.SLACK, Reply.slack_error(403, "invalid_token"), "slack-403"),
        (NotificationChannel.SLACK, Reply.slack_error(410, "channel_is_archived"), "slack-410"),
        (NotificationChannel.TEAMS, Reply.teams_error(404, "WorkflowNotFound"), "teams-404"),
        (NotificationChannel.MATTERMOST, Reply.mattermost_error(404), "mattermost-404"),
    ],
)
async def test_a_deleted_or_revoked_webhook_is_permanent_and_gone(
    server: ChatWebhookServer, http: httpx.AsyncClient, channel: NotificationChannel, reply: Reply, code: str
) -> None:
    server.answer_next(reply)
    error = await failure_of(http, channel, server.url_for(channel))
    assert (error.permanent, error.recipient_gone, error.code) == (True, True, code)


async def test_slack_error_codes_are_named_in_the_failure(server: ChatWebhookServer, http: httpx.AsyncClient) -> None:
    server.answer_next(Reply.slack_error(404, "no_service"))
    error = await failure_of(http, NotificationChannel.SLACK, server.slack_url())
    assert "404 no_service" in str(error)


async def test_a_rejected_payload_is_permanent_but_the_webhook_is_not_gone(
    server: ChatWebhookServer, http: httpx.AsyncClient
) -> None:
    server.answer_next(Reply.slack_error(400, "invalid_blocks"))
    error = await failure_of(http, NotificationChannel.SLACK, server.slack_url())
    assert (error.permanent, error.recipient_gone, error.code) == (True, False, "slack-400")


async def test_rate_limiting_is_transient_with_the_retry_after_seconds(
    server: ChatWebhookServer, http: httpx.AsyncClient
) -> None:
    server.answer_next(Reply.slack_error(429, "rate_limited", {"Retry-After": "30"}))
    error = await failure_of(http, NotificationChannel.SLACK, server.slack_url())
    assert (error.permanent, error.code, error.retry_after) == (False, "slack-429", 30.0)


async def test_a_retry_after_date_becomes_seconds(server: ChatWebhookServer, http: httpx.AsyncClient) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    server.answer_next(Reply.teams_error(429, "WorkflowRequestsThrottled", {"Retry-After": later}))
    error = await failure_of(http, NotificationChannel.TEAMS, server.teams_url())
    assert error.retry_after is not None
    assert 100 < error.retry_after <= 120
    assert not error.permanent


@pytest.mark.parametrize("channel", [NotificationChannel.SLACK, NotificationChannel.MATTERMOST])
async def test_a_server_error_is_transient(
    server: ChatWebhookServer, http: httpx.AsyncClient, channel: NotificationChannel
) -> None:
    server.answer_next(Reply(500, "rollup_error"))
    error = await failure_of(http, channel, server.url_for(channel))
    assert (error.permanent, error.recipient_gone, error.code, error.retry_after) == (
        False,
        False,
        f"{channel.value}-500",
        None,
    )


async def test_an_unreachable_service_is_transient_and_the_url_is_never_quoted(http: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks/secret0webhook0id"
    error = await failure_of(http, NotificationChannel.MATTERMOST, url)
    assert (error.permanent, error.code) == (False, "mattermost-connect")
    assert "secret0webhook0id" not in str(error)
    assert error.__suppress_context__


async def test_a_slow_service_is_a_transient_timeout(server: ChatWebhookServer) -> None:
    server.answer_next(Reply(200, "ok", delay=1.0))
    async with httpx.AsyncClient(timeout=0.2) as http:
        error = await failure_of(http, NotificationChannel.SLACK, server.slack_url())
    assert (error.permanent, error.code) == (False, "slack-timeout")


async def test_health_says_webhooks_are_checked_per_message(http: httpx.AsyncClient) -> None:
    health = await adapter(http).check_health()
    assert health.ok
    assert "every message" in health.detail


def test_the_chat_kind_serves_the_three_chat_channels_without_a_provider_record() -> None:
    spec = ADAPTERS.get("chat")
    assert spec.channels == {NotificationChannel.SLACK, NotificationChannel.TEAMS, NotificationChannel.MATTERMOST}
    assert not spec.configurable


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        (NotificationChannel.SLACK, "https://hooks.slack.com/services/T0ABC123/B0DEF456/abcdEFGH1234ijkl5678MNOP"),
        (
            NotificationChannel.TEAMS,
            "https://prod-161.westeurope.logic.azure.com:443/workflows/643e69f83c8944438d68119179a10a64"
            "/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=KODue",
        ),
        (
            NotificationChannel.TEAMS,
            "https://default0123.ab.environment.api.powerplatform.com:443/powerautomate/automations/direct"
            "/workflows/643e69f8/triggers/manual/paths/invoke?api-version=1&sig=abc",
        ),
        (NotificationChannel.TEAMS, "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456"),
        (NotificationChannel.MATTERMOST, "https://chat.example.org/hooks/xo7rxkbsqf8zbpn1yq4hcm7kyo"),
        (NotificationChannel.MATTERMOST, "https://example.org/mattermost/hooks/xo7rxkbsqf8zbpn1yq4hcm7kyo"),
    ],
)
def test_plausible_webhooks_are_accepted(channel: NotificationChannel, url: str) -> None:
    assert validate_chat_webhook(channel, f"  {url} ", allow_loopback_http=False) == url


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        (NotificationChannel.SLACK, "http://hooks.slack.com/services/T0ABC123/B0DEF456/abcd"),
        (NotificationChannel.SLACK, "https://hooks.slack.com.evil.example/services/T0ABC123/B0DEF456/abcd"),
        (NotificationChannel.SLACK, "https://hooks.slack.com/workflows/T0ABC123/A0/123/abcd"),
        (NotificationChannel.SLACK, "https://user:pw@hooks.slack.com/services/T0ABC123/B0DEF456/abcd"),
        (NotificationChannel.TEAMS, "https://example.org/workflows/abc/triggers/manual/paths/invoke"),
        (NotificationChannel.TEAMS, "https://logic.azure.com.evil.example/workflows/abc"),
        (NotificationChannel.MATTERMOST, "https://chat.example.org/api/v4/posts"),
        (NotificationChannel.MATTERMOST, "ftp://chat.example.org/hooks/abc"),
        (NotificationChannel.MATTERMOST, "https://chat.example.org/hooks/abc def"),
        (NotificationChannel.MATTERMOST, "not a url"),
        (NotificationChannel.EMAIL, "https://chat.example.org/hooks/abc"),
    ],
)
def test_implausible_webhooks_are_rejected_without_quoting_them(channel: NotificationChannel, url: str) -> None:
    with pytest.raises(ValueError, match=r"\w") as failure:
        validate_chat_webhook(channel, url, allow_loopback_http=False)
    assert url not in str(failure.value)


def test_loopback_http_is_accepted_only_when_allowed() -> None:
    url = "http://127.0.0.1:9000/services/T0/B0/abc"
    assert validate_chat_webhook(NotificationChannel.SLACK, url, allow_loopback_http=True) == url
    with pytest.raises(ValueError, match="https://"):
        validate_chat_webhook(NotificationChannel.SLACK, url, allow_loopback_http=False)


def test_loopback_means_127_0_0_1_only() -> None:
    with pytest.raises(ValueError, match="https://"):
        validate_chat_webhook(NotificationChannel.SLACK, "http://10.0.0.5/services/T0/B0/abc", allow_loopback_http=True)
