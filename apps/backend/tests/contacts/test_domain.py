"""The pure rules of contact methods: codes, their digests and checks, the resend interval and masked addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sos.contacts.domain import (
    RESEND_INTERVAL_SECONDS,
    VERIFICATION_CODE_TTL_SECONDS,
    VERIFICATION_MAX_TRIES,
    CodeCheck,
    address_key,
    check_code,
    code_digest,
    describe_browser,
    masked_secret_address,
    new_verification_code,
    resend_wait,
)
from sos.core.ids import new_id
from sos.notifications.domain import NotificationChannel

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
EDGE_ON_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36 Edg/131.0.0.0"
)


def test_a_code_has_six_digits() -> None:
    code = new_verification_code()
    assert len(code) == 6
    assert code.isdigit()


def test_one_code_has_different_digests_for_different_methods() -> None:
    assert code_digest(new_id(), "123456") != code_digest(new_id(), "123456")


def test_an_address_key_is_the_sha256_of_the_full_address() -> None:
    assert address_key("+4930901820") == "4db5829924ee5c466cbd9ac69b2a6af527f758614fa3b3aec8c89b16a709a678"


def _check(
    code: str, *, sent: bool = True, expires_at: datetime = LATER, tries: int = 0, now: datetime = NOW
) -> CodeCheck:
    """Checks ``code`` against a sent 123456."""
    method_id = new_id()
    if not sent:
        return check_code(method_id, code, stored_digest=None, expires_at=None, tries=tries, now=now)
    digest = code_digest(method_id, "123456")
    return check_code(method_id, code, stored_digest=digest, expires_at=expires_at, tries=tries, now=now)


def test_the_right_code_is_accepted() -> None:
    assert _check("123456") is CodeCheck.ACCEPTED


def test_another_code_is_wrong() -> None:
    assert _check("654321") is CodeCheck.WRONG


def test_a_code_at_its_expiry_is_expired() -> None:
    assert _check("123456", now=LATER) is CodeCheck.EXPIRED


def test_a_code_after_the_last_try_is_gone() -> None:
    assert _check("123456", tries=VERIFICATION_MAX_TRIES) is CodeCheck.NO_CODE


def test_no_code_sent_is_no_code() -> None:
    assert _check("123456", sent=False) is CodeCheck.NO_CODE


def test_a_first_code_may_go_at_once() -> None:
    assert resend_wait(None, NOW) == 0


def test_a_new_code_waits_for_the_interval() -> None:
    expires_at = NOW + timedelta(seconds=VERIFICATION_CODE_TTL_SECONDS - 10)
    assert resend_wait(expires_at, NOW) == RESEND_INTERVAL_SECONDS - 10


def test_a_new_code_may_go_once_the_interval_passed() -> None:
    expires_at = NOW + timedelta(seconds=VERIFICATION_CODE_TTL_SECONDS - RESEND_INTERVAL_SECONDS)
    assert resend_wait(expires_at, NOW) == 0


def test_a_browser_is_named_with_its_system() -> None:
    assert describe_browser(CHROME_ON_WINDOWS) == "Chrome on Windows"


def test_safari_on_an_iphone_is_named() -> None:
    assert describe_browser(SAFARI_ON_IPHONE) == "Safari on iOS"


def test_edge_is_not_mistaken_for_chrome() -> None:
    assert describe_browser(EDGE_ON_MAC) == "Edge on macOS"


def test_an_unknown_user_agent_has_no_name() -> None:
    assert describe_browser("curl/8.5.0") is None


def test_a_push_subscription_without_a_user_agent_shows_its_last_characters() -> None:
    masked = masked_secret_address(NotificationChannel.WEB_PUSH, "https://push.example/abc/wxyz")
    assert masked == "Web browser …wxyz"


def test_a_teams_webhook_shows_only_its_last_characters() -> None:
    masked = masked_secret_address(NotificationChannel.TEAMS, "https://x.webhook.office.com/webhookb2/secret/1234")
    assert masked == "Teams webhook …/1234"


def test_an_apns_token_shows_only_its_last_characters() -> None:
    assert masked_secret_address(NotificationChannel.APNS, "ab" * 31 + "cdef") == "APNs device …cdef"
