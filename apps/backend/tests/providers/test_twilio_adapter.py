"""The Twilio adapter against a local Twilio REST API: SMS, voice calls, errors, health, signatures and receipts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pydantic import ValidationError

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import AdapterConfig, InstallContext, OutboundMessage, ProviderError, Recipient
from sos.providers.channels.registry import ADAPTERS
from sos.providers.channels.twilio import (
    SMS_TARGET_CHARS,
    TwilioAdapter,
    TwilioSecrets,
    TwilioSettings,
    parse_twilio_status,
    twilio_signature,
    twiml_message,
    valid_twilio_signature,
)
from tests.providers.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    SERVICE_SID,
    FakeTwilio,
    gather_action,
    parse_twiml,
    twilio_sign,
)

TO_NUMBER = "+14155552671"
STATUS_URL = "https://sos.example.org/api/v1/webhooks/providers/p1/status"
GATHER_URL = "https://sos.example.org/api/v1/webhooks/providers/p1/voice?token=tok-123"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


def adapter(twilio: FakeTwilio, http: httpx.AsyncClient, *, token: str = AUTH_TOKEN, **settings: Any) -> TwilioAdapter:
    fields: dict[str, Any] = {"account_sid": ACCOUNT_SID, "from_number": FROM_NUMBER, "api_base_url": twilio.base_url}
    config = AdapterConfig(
        provider_id=uuid4(),
        name="Twilio",
        settings=TwilioSettings(**(fields | settings)),
        secrets=TwilioSecrets(auth_token=token),
        http=http,
        install=InstallContext(public_url="https://sos.example.org"),
    )
    return TwilioAdapter(config)


def message(channel: NotificationChannel = NotificationChannel.SMS, **changes: Any) -> OutboundMessage:
    alert_id = uuid4()
    fields: dict[str, Any] = {
        "id": uuid4(),
        "organization_id": uuid4(),
        "recipient": Recipient(channel, TO_NUMBER),
        "purpose": NotificationPurpose.PAGE,
        "title": "Medical emergency",
        "body": "Reporter needs help at Gate 4",
        "alert_id": alert_id,
        "alert_url": f"https://sos.example.org/alerts/view?id={alert_id}",
        "ack_code": "K7Q2",
        "status_callback_url": STATUS_URL,
        "voice_gather_url": GATHER_URL,
    }
    return OutboundMessage(**(fields | changes))


# Sending SMS


async def test_an_sms_goes_to_the_messages_resource_and_returns_its_sid(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    result = await adapter(twilio, http).send(message())
    (sent,) = twilio.requests
    assert sent.resource == "Messages"
    assert result.provider_message_id == sent.sid
    assert sent.sid.startswith("SM")
    assert result.delivered is False
    assert sent.form["To"] == TO_NUMBER
    assert sent.form["From"] == FROM_NUMBER
    assert sent.form["StatusCallback"] == STATUS_URL


async def test_a_messaging_service_replaces_the_from_number(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    await adapter(twilio, http, from_number=None, messaging_service_sid=SERVICE_SID).send(message())
    (sent,) = twilio.requests
    assert sent.form["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in sent.form


async def test_a_page_sms_says_how_to_acknowledge_by_reply_and_links_the_alert(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    page = message()
    await adapter(twilio, http).send(page)
    body = twilio.requests[0].form["Body"]
    assert body == (
        f"SOS Medical emergency: Reporter needs help at Gate 4. Reply 1 or ACK K7Q2 to acknowledge. {page.alert_url}"
    )


async def test_a_long_page_is_shortened_but_keeps_the_reply_hint_and_link(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    page = message(body="smoke on floor three " * 100)
    await adapter(twilio, http).send(page)
    body = twilio.requests[0].form["Body"]
    assert len(body) <= SMS_TARGET_CHARS
    assert body.startswith("SOS Medical emergency: smoke on floor three")
    assert body.endswith(f"… Reply 1 or ACK K7Q2 to acknowledge. {page.alert_url}")


async def test_a_bundle_sms_offers_acknowledging_all_or_one(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    bundle = message(
        title="2 SOS alerts for you",
        body="Fire (ACK K7Q2); Medical (ACK B4X9)",
        bundle_size=2,
        alert_url=None,
        ack_code=None,
    )
    await adapter(twilio, http).send(bundle)
    assert twilio.requests[0].form["Body"] == (
        "2 SOS alerts for you: Fire (ACK K7Q2); Medical (ACK B4X9). Reply 1 to acknowledge all, or ACK <code> for one."
    )


async def test_a_verification_sms_carries_no_reply_hint(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    code = message(purpose=NotificationPurpose.VERIFICATION, title="SOS Platform", body="Your code is 482913")
    await adapter(twilio, http).send(code)
    assert twilio.requests[0].form["Body"] == "SOS Platform: Your code is 482913"


# Voice calls


async def test_a_voice_page_reads_the_alert_and_gathers_one_key_for_the_ack_url(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    result = await adapter(twilio, http, voice_language="en-GB").send(message(NotificationChannel.VOICE))
    (call,) = twilio.requests
    assert call.resource == "Calls"
    assert result.provider_message_id == call.sid
    assert call.sid.startswith("CA")
    assert call.form["StatusCallback"] == STATUS_URL
    response = parse_twiml(call.form["Twiml"])
    gather = response.find("Gather")
    assert gather is not None
    assert gather.attrib == {"numDigits": "1", "action": GATHER_URL, "method": "POST", "timeout": "10"}
    say = gather.find("Say")
    assert say is not None
    assert say.attrib["language"] == "en-GB"
    assert say.text == (
        "This is an SOS alert. Medical emergency. Reporter needs help at Gate 4. Press 1 to acknowledge."
    )
    assert [element.text for element in response.findall("Say")] == ["No key pressed. Goodbye."]


async def test_markup_in_the_alert_text_is_escaped_in_the_twiml(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    call = message(NotificationChannel.VOICE, title='Fire <Hangup/> & "smoke"', body="</Say><Dial>+15005550006</Dial>")
    await adapter(twilio, http).send(call)
    twiml = twilio.requests[0].form["Twiml"]
    response = parse_twiml(twiml)
    assert response.find(".//Hangup") is None
    assert response.find(".//Dial") is None
    say = response.find("Gather/Say")
    assert say is not None
    assert say.text is not None
    assert 'Fire <Hangup/> & "smoke"' in say.text
    assert gather_action(twiml) == GATHER_URL


async def test_calls_come_from_the_voice_number_when_one_is_set(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    await adapter(twilio, http, voice_from_number="+14155550199").send(message(NotificationChannel.VOICE))
    assert twilio.requests[0].form["From"] == "+14155550199"


async def test_a_call_without_a_number_to_call_from_is_refused_for_good(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    voice = adapter(twilio, http, from_number=None, messaging_service_sid=SERVICE_SID)
    with pytest.raises(ProviderError) as refused:
        await voice.send(message(NotificationChannel.VOICE))
    assert refused.value.permanent is True
    assert twilio.requests == []


async def test_a_verification_call_reads_the_code_twice_without_gathering(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    code = message(NotificationChannel.VOICE, purpose=NotificationPurpose.VERIFICATION, title="Code", body="4 8 2 9")
    await adapter(twilio, http).send(code)
    response = parse_twiml(twilio.requests[0].form["Twiml"])
    assert response.find("Gather") is None
    assert [element.text for element in response.findall("Say")] == ["Code. 4 8 2 9.", "Code. 4 8 2 9."]


async def test_twilio_does_not_serve_other_channels(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    with pytest.raises(ProviderError) as refused:
        await adapter(twilio, http).send(message(NotificationChannel.EMAIL))
    assert refused.value.permanent is True


# Errors


async def _refused(twilio: FakeTwilio, http: httpx.AsyncClient, code: int) -> ProviderError:
    twilio.fail_next(code)
    with pytest.raises(ProviderError) as refused:
        await adapter(twilio, http).send(message())
    return refused.value


@pytest.mark.parametrize("code", [21211, 21610, 21614])
async def test_a_dead_number_is_refused_for_good_and_marked_gone(
    twilio: FakeTwilio, http: httpx.AsyncClient, code: int
) -> None:
    error = await _refused(twilio, http, code)
    assert (error.permanent, error.recipient_gone, error.code) == (True, True, str(code))


async def test_a_region_without_permission_is_refused_for_good_but_the_number_is_kept(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    error = await _refused(twilio, http, 21408)
    assert (error.permanent, error.recipient_gone, error.code) == (True, False, "21408")


async def test_an_invalid_number_is_refused_by_twilio_itself(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    with pytest.raises(ProviderError) as refused:
        await adapter(twilio, http).send(message(recipient=Recipient(NotificationChannel.SMS, "+1555")))
    assert (refused.value.permanent, refused.value.code) == (True, "21211")


async def test_refused_credentials_are_transient_so_the_breaker_can_fail_over(
    twilio: FakeTwilio, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ProviderError) as refused:
        await adapter(twilio, http, token="0" * 32).send(message())
    assert (refused.value.permanent, refused.value.code) == (False, "20003")


async def test_rate_limiting_is_transient_and_carries_retry_after(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    error = await _refused(twilio, http, 20429)
    assert (error.permanent, error.code, error.retry_after) == (False, "20429", 7.0)


async def test_a_server_error_is_transient(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    error = await _refused(twilio, http, 20500)
    assert (error.permanent, error.code) == (False, "20500")


async def test_a_timeout_is_transient(twilio: FakeTwilio) -> None:
    twilio.delay_seconds = 0.5
    async with httpx.AsyncClient(timeout=0.1) as impatient:
        with pytest.raises(ProviderError) as refused:
            await adapter(twilio, impatient).send(message())
    assert (refused.value.permanent, refused.value.code) == (False, "timeout")


async def test_an_unreachable_api_is_transient(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    gone = adapter(twilio, http, api_base_url="http://127.0.0.1:9")
    with pytest.raises(ProviderError) as refused:
        await gone.send(message())
    assert (refused.value.permanent, refused.value.code) == (False, "network")


@pytest.mark.parametrize("code", [21211, 21408, 20003])
async def test_errors_never_name_the_number_or_the_token(
    twilio: FakeTwilio, http: httpx.AsyncClient, code: int
) -> None:
    error = await _refused(twilio, http, code)
    assert TO_NUMBER not in str(error)
    assert TO_NUMBER[2:] not in str(error)
    assert AUTH_TOKEN not in str(error)


# Health


async def test_health_reads_the_account_without_sending(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    health = await adapter(twilio, http).check_health()
    assert health.ok is True
    assert twilio.requests == []


async def test_health_fails_with_refused_credentials(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    health = await adapter(twilio, http, token="0" * 32).check_health()
    assert health.ok is False
    assert "20003" in health.detail
    assert AUTH_TOKEN not in health.detail


async def test_health_fails_for_a_suspended_account(twilio: FakeTwilio, http: httpx.AsyncClient) -> None:
    twilio.account_status = "suspended"
    health = await adapter(twilio, http).check_health()
    assert health.ok is False
    assert "suspended" in health.detail


# Settings


def _settings(**changes: Any) -> TwilioSettings:
    return TwilioSettings(**({"account_sid": ACCOUNT_SID, "from_number": FROM_NUMBER} | changes))


def test_the_from_number_is_stored_in_e164() -> None:
    assert _settings(from_number="+1 (415) 555-0100").from_number == FROM_NUMBER


@pytest.mark.parametrize(
    "changes",
    [
        {"account_sid": "AC123"},
        {"account_sid": "XX" + "0" * 32},
        {"from_number": "0415 555 0100"},
        {"from_number": "+1555"},
        {"from_number": None},
        {"messaging_service_sid": "MG-nope"},
        {"api_base_url": "http://api.twilio.example"},
        {"api_base_url": "https://user:pass@api.twilio.com"},
        {"voice_language": "english"},
        {"unknown": "field"},
    ],
)
def test_invalid_settings_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _settings(**changes)


def test_the_auth_token_stays_out_of_reprs() -> None:
    assert AUTH_TOKEN not in repr(TwilioSecrets(auth_token=AUTH_TOKEN))


def test_twilio_registers_for_sms_and_voice_with_receipts() -> None:
    spec = ADAPTERS.get("twilio")
    assert spec.channels == {NotificationChannel.SMS, NotificationChannel.VOICE}
    assert (spec.configurable, spec.receipts) == (True, True)
    assert (spec.settings_model, spec.secrets_model) == (TwilioSettings, TwilioSecrets)


# Signatures and receipts


def test_the_signature_matches_twilios_documented_example() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == (
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


def test_a_signature_from_the_fake_twilio_validates() -> None:
    params = {"MessageSid": "SM1", "MessageStatus": "delivered", "Body": "café ✓"}
    assert valid_twilio_signature(AUTH_TOKEN, STATUS_URL, params, twilio_sign(AUTH_TOKEN, STATUS_URL, params))


@pytest.mark.parametrize(
    ("url", "params", "signature"),
    [
        (STATUS_URL, {"MessageSid": "SM1", "MessageStatus": "failed"}, None),
        ("https://evil.example/api/v1/webhooks/providers/p1/status", None, None),
        (STATUS_URL + "?x=1", None, None),
        (STATUS_URL, None, ""),
        (STATUS_URL, None, "not-a-signature"),
    ],
)
def test_a_signature_over_anything_else_does_not_validate(
    url: str, params: dict[str, str] | None, signature: str | None
) -> None:
    signed = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    header = twilio_sign(AUTH_TOKEN, STATUS_URL, signed) if signature is None else signature
    assert not valid_twilio_signature(AUTH_TOKEN, url, params or signed, header)


def test_a_signature_made_with_another_token_does_not_validate() -> None:
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    assert not valid_twilio_signature(AUTH_TOKEN, STATUS_URL, params, twilio_sign("x" * 32, STATUS_URL, params))


@pytest.mark.parametrize("status", ["delivered", "read"])
def test_a_delivered_message_is_a_delivered_receipt(status: str) -> None:
    receipt = parse_twilio_status({"MessageSid": "SM1", "MessageStatus": status, "To": TO_NUMBER})
    assert receipt is not None
    assert (receipt.provider_message_id, receipt.delivered, receipt.failed) == ("SM1", True, False)
    assert TO_NUMBER not in receipt.raw.values()


def test_a_completed_call_is_a_delivered_receipt() -> None:
    receipt = parse_twilio_status({"CallSid": "CA1", "CallStatus": "completed", "CallDuration": "31"})
    assert receipt is not None
    assert (receipt.provider_message_id, receipt.delivered, receipt.raw["CallDuration"]) == ("CA1", True, "31")


def test_an_undelivered_message_is_a_failed_receipt_with_twilios_code() -> None:
    receipt = parse_twilio_status({"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"})
    assert receipt is not None
    assert (receipt.delivered, receipt.failed, receipt.error_code) == (False, True, "30003")


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled"])
def test_an_unanswered_call_is_a_failed_receipt_named_by_its_status(status: str) -> None:
    receipt = parse_twilio_status({"CallSid": "CA1", "CallStatus": status})
    assert receipt is not None
    assert (receipt.failed, receipt.error_code) == (True, status)


@pytest.mark.parametrize("status", ["queued", "sending", "sent", "accepted", "ringing", "in-progress", "initiated"])
def test_progress_reports_are_not_receipts(status: str) -> None:
    assert parse_twilio_status({"MessageSid": "SM1", "MessageStatus": status}) is None


@pytest.mark.parametrize("params", [{}, {"MessageSid": "SM1"}, {"MessageStatus": "delivered"}])
def test_a_callback_without_a_sid_or_status_is_refused(params: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="status callback"):
        parse_twilio_status(params)


def test_a_reply_is_escaped_into_twiml() -> None:
    response = parse_twiml(twiml_message("Acknowledged <b> & done"))
    assert [element.text for element in response] == ["Acknowledged <b> & done"]


def test_an_empty_reply_is_an_empty_twiml_response() -> None:
    assert list(parse_twiml(twiml_message(""))) == []
