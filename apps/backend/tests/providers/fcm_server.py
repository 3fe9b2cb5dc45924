"""Google's OAuth2 token endpoint and the FCM HTTP v1 send endpoint, faked on 127.0.0.1.

The token endpoint verifies the JWT assertion with the service account's public key, as Google does; the send
endpoint checks the access token and the message's shape and answers in FCM's own error format.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
MESSAGE_FIELDS = {"name", "data", "notification", "android", "webpush", "apns", "fcm_options", "token", "topic"}
ANDROID_FIELDS = {"collapse_key", "priority", "ttl", "restricted_package_name", "data", "notification", "fcm_options"}

# status, HTTP code and message of the FCM error codes, as FCM v1 answers them.
FCM_ERRORS: dict[str, tuple[str, int, str]] = {
    "UNREGISTERED": ("NOT_FOUND", 404, "Requested entity was not found."),
    "INVALID_ARGUMENT": ("INVALID_ARGUMENT", 400, "The registration token is not a valid FCM registration token"),
    "SENDER_ID_MISMATCH": ("PERMISSION_DENIED", 403, "SenderId mismatch"),
    "QUOTA_EXCEEDED": ("RESOURCE_EXHAUSTED", 429, "Quota exceeded for quota metric 'Send requests'"),
    "UNAVAILABLE": ("UNAVAILABLE", 503, "The service is currently unavailable."),
    "INTERNAL": ("INTERNAL", 500, "Internal error encountered."),
    "THIRD_PARTY_AUTH_ERROR": ("UNAUTHENTICATED", 401, "Auth error from APNS or Web Push Service"),
}


def service_account(token_uri: str, project_id: str = "sos-test-project") -> dict[str, Any]:
    """A throwaway service-account key file, shaped like the one the Google Cloud console downloads."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    name = f"sos-{secrets.token_hex(4)}"
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": f"{name}@{project_id}.iam.gserviceaccount.com",
        "client_id": str(secrets.randbelow(10**20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{name}",
        "universe_domain": "googleapis.com",
    }


def fcm_error(code: str, *, field_violation: str | None = None) -> tuple[int, dict[str, Any]]:
    status, http_status, message = FCM_ERRORS[code]
    details: list[dict[str, Any]] = [
        {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}
    ]
    if field_violation:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field_violation, "description": message}],
            }
        )
    return http_status, {"error": {"code": http_status, "message": message, "status": status, "details": details}}


@dataclass(frozen=True)
class Sent:
    project: str
    message: dict[str, Any]


@dataclass
class _Account:
    public_key: rsa.RSAPublicKey
    key_id: str


@dataclass
class FcmServer:
    """Use as ``async with FcmServer() as fcm``; ``fcm.account()`` makes a service account it accepts."""

    project_id: str = "sos-test-project"
    token_lifetime: int = 3599
    sent: list[Sent] = field(default_factory=list)
    token_requests: int = 0
    rejections: list[str] = field(default_factory=list)
    unregistered: set[str] = field(default_factory=set)
    """Registration tokens of uninstalled apps."""
    invalid: set[str] = field(default_factory=set)
    foreign: set[str] = field(default_factory=set)
    """Tokens of another Firebase project's app."""
    failures: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """Error codes (and extra headers) to answer the next sends with."""
    refuse_access_tokens: bool = False
    """Answer every send 401, as when the service account lost its Firebase role."""
    origin: str = ""
    _accounts: dict[str, _Account] = field(default_factory=dict)
    _tokens: dict[str, float] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    @property
    def token_uri(self) -> str:
        return f"{self.origin}/token"

    def account(self) -> dict[str, Any]:
        info = service_account(self.token_uri, self.project_id)
        self.trust(info)
        return info

    def trust(self, info: dict[str, Any]) -> None:
        key = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._accounts[info["client_email"]] = _Account(key.public_key(), info["private_key_id"])

    def revoke_tokens(self) -> None:
        self._tokens.clear()

    def fail_next(self, code: str, **headers: str) -> None:
        self.failures.append((code, headers))

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/token", self._token)
        app.router.add_post("/v1/projects/{project}/messages:send", self._send)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.origin = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _oauth_error(self, error: str, description: str) -> web.Response:
        self.rejections.append(description)
        return web.json_response({"error": error, "error_description": description}, status=400)

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._oauth_error("unsupported_grant_type", "Invalid grant_type")
        assertion = str(form.get("assertion", ""))
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            account = self._accounts.get(str(unverified.get("iss")))
            if account is None:
                return self._oauth_error("invalid_grant", "Invalid grant: account not found")
            if jwt.get_unverified_header(assertion).get("kid") != account.key_id:
                return self._oauth_error("invalid_grant", "Invalid JWT Signature.")
            claims = jwt.decode(
                assertion,
                account.public_key,
                algorithms=["RS256"],
                audience=self.token_uri,
                options={"require": ["iss", "aud", "exp", "iat", "scope"]},
            )
        except jwt.InvalidSignatureError:
            return self._oauth_error("invalid_grant", "Invalid JWT Signature.")
        except jwt.PyJWTError as exc:
            return self._oauth_error("invalid_grant", f"Invalid JWT: {exc}")
        if claims["scope"] != SCOPE:
            return self._oauth_error("invalid_scope", "Invalid OAuth scope")
        if claims["exp"] - claims["iat"] > 3600:
            return self._oauth_error("invalid_grant", "Invalid JWT: expiry more than an hour after issue")
        token = f"ya29.{secrets.token_urlsafe(32)}"
        self._tokens[token] = time.time() + self.token_lifetime
        return web.json_response({"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"})

    def _error(self, code: str, *, field_violation: str | None = None, **headers: str) -> web.Response:
        status, body = fcm_error(code, field_violation=field_violation)
        return web.json_response(body, status=status, headers=headers)

    def _unauthenticated(self) -> web.Response:
        body = {
            "error": {
                "code": 401,
                "message": "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                "status": "UNAUTHENTICATED",
            }
        }
        return web.json_response(body, status=401)

    async def _send(self, request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or self._tokens.get(token, 0.0) < time.time() or self.refuse_access_tokens:
            self.rejections.append("bad access token")
            return self._unauthenticated()
        if self.failures:
            code, headers = self.failures.pop(0)
            return self._error(code, **headers)
        project = request.match_info["project"]
        body = await request.json()
        problem = _shape_problem(body)
        if problem is not None:
            self.rejections.append(problem)
            return self._error("INVALID_ARGUMENT", field_violation=problem)
        message = body["message"]
        if message["token"] in self.unregistered:
            return self._error("UNREGISTERED")
        if message["token"] in self.invalid:
            return self._error("INVALID_ARGUMENT", field_violation="message.token")
        if message["token"] in self.foreign or project != self.project_id:
            return self._error("SENDER_ID_MISMATCH")
        self.sent.append(Sent(project, message))
        return web.json_response({"name": f"projects/{project}/messages/0:{secrets.token_hex(8)}"})


def _shape_problem(body: Any) -> str | None:
    """The field of an FCM v1 send request that FCM would refuse, or None."""
    if not isinstance(body, dict) or set(body) != {"message"} or not isinstance(body["message"], dict):
        return "message"
    message = body["message"]
    if set(message) - MESSAGE_FIELDS:
        return f"message.{sorted(set(message) - MESSAGE_FIELDS)[0]}"
    if not isinstance(message.get("token"), str) or not message["token"]:
        return "message.token"
    notification = message.get("notification", {})
    if set(notification) - {"title", "body", "image"} or not all(isinstance(v, str) for v in notification.values()):
        return "message.notification"
    data = message.get("data", {})
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return "message.data"
    android = message.get("android", {})
    if set(android) - ANDROID_FIELDS:
        return "message.android"
    if android.get("priority", "NORMAL") not in {"NORMAL", "HIGH"}:
        return "message.android.priority"
    if "ttl" in android and not re.fullmatch(r"\d+(\.\d{1,9})?s", android["ttl"]):
        return "message.android.ttl"
    return None
