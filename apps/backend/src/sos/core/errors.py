"""Typed errors rendered as RFC 9457 problem+json.

    ProblemError
     ├── BadRequest (400)            ├── Conflict (409)
     ├── Unauthenticated (401)       │    └── InvalidTransition
     ├── Forbidden (403)             ├── PreconditionFailed (412)
     ├── NotFound (404)              ├── PayloadTooLarge (413)
     └── Unprocessable (422)         └── ServiceUnavailable (503)

Every problem carries a stable ``code`` from :class:`ErrorCode`; clients branch on it, never on ``detail``.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sos.core.request_context import current_request_id
from sos.core.state_machine import TransitionNotAllowed

logger = logging.getLogger("sos.errors")

PROBLEM_JSON = "application/problem+json"


class ErrorCode(StrEnum):
    # request shape
    VALIDATION_FAILED = "validation_failed"
    MALFORMED_BODY = "malformed_body"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    INVALID_CURSOR = "invalid_cursor"
    # authentication and authorization
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - an error code, not a secret
    INVALID_GRANT = "invalid_grant"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    ORGANIZATION_REQUIRED = "organization_required"
    FORBIDDEN = "forbidden"
    # resources
    NOT_FOUND = "not_found"
    ROUTE_NOT_FOUND = "route_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    ALREADY_EXISTS = "already_exists"
    REFERENCE_NOT_FOUND = "reference_not_found"
    # state
    INVALID_TRANSITION = "invalid_transition"
    VERSION_MISMATCH = "version_mismatch"
    CONCURRENT_MODIFICATION = "concurrent_modification"
    ALERT_CLOSED = "alert_closed"
    TEAM_CYCLE = "team_cycle"
    TEAM_NOT_EMPTY = "team_not_empty"
    IN_USE = "in_use"
    LIMIT_REACHED = "limit_reached"
    VERIFICATION_CODE_WRONG = "verification_code_wrong"
    VERIFICATION_CODE_EXPIRED = "verification_code_expired"
    VERIFICATION_CODE_MISSING = "verification_code_missing"
    CONTACT_METHOD_UNUSABLE = "contact_method_unusable"
    ALREADY_VERIFIED = "already_verified"
    RATE_LIMITED = "rate_limited"
    LAST_ADMIN = "last_admin"
    EARLIER_INVITATION_PENDING = "earlier_invitation_pending"
    # platform
    SERVICE_UNAVAILABLE = "service_unavailable"
    INTERNAL_ERROR = "internal_error"


class ProblemError(Exception):
    status: int = 500
    code: ErrorCode = ErrorCode.INTERNAL_ERROR
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: ErrorCode | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.headers = headers or {}
        self.extensions = extensions


class BadRequest(ProblemError):
    status, code, title = 400, ErrorCode.VALIDATION_FAILED, "Bad request"


class Unauthenticated(ProblemError):
    status, code, title = 401, ErrorCode.NOT_AUTHENTICATED, "Not authenticated"

    def __init__(self, detail: str | None = None, *, code: ErrorCode | None = None, **extensions: Any) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"}, **extensions)


class Forbidden(ProblemError):
    status, code, title = 403, ErrorCode.FORBIDDEN, "Forbidden"


class NotFound(ProblemError):
    status, code, title = 404, ErrorCode.NOT_FOUND, "Not found"


class Conflict(ProblemError):
    status, code, title = 409, ErrorCode.ALREADY_EXISTS, "Conflict"


class InvalidTransition(Conflict):
    code, title = ErrorCode.INVALID_TRANSITION, "Transition not allowed"

    @classmethod
    def of(cls, refused: TransitionNotAllowed) -> InvalidTransition:
        return cls(
            str(refused),
            current_status=refused.status.value,
            action=refused.action.value,
            allowed_actions=[action.value for action in refused.allowed],
        )


class PreconditionFailed(ProblemError):
    status, code, title = 412, ErrorCode.VERSION_MISMATCH, "Precondition failed"


class PayloadTooLarge(ProblemError):
    status, code, title = 413, ErrorCode.PAYLOAD_TOO_LARGE, "Payload too large"


class Unprocessable(ProblemError):
    status, code, title = 422, ErrorCode.VALIDATION_FAILED, "Unprocessable content"


class TooManyRequests(ProblemError):
    status, code, title = 429, ErrorCode.RATE_LIMITED, "Too many requests"


class ServiceUnavailable(ProblemError):
    status, code, title = 503, ErrorCode.SERVICE_UNAVAILABLE, "Service unavailable"


def problem_response(
    status: int,
    code: ErrorCode,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:sos:problem:{code.value}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code.value,
    }
    if instance:
        body["instance"] = instance
    headers = dict(headers or {})
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
        headers["X-Request-ID"] = request_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _json_pointer(location: tuple[int | str, ...]) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in location]
    return "#/" + "/".join(parts)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location = tuple(error.get("loc", ()))
        source, path = (location[0], location[1:]) if location else ("body", ())
        errors.append(
            {
                "in": source,
                "pointer": _json_pointer(path),
                "type": error.get("type", "value_error"),
                "message": error.get("msg", "invalid value"),
            }
        )
    return errors


_MYSQL_CONNECTION_ERRORS = frozenset({2002, 2003, 2006, 2013})


def _lost_connection(orig: BaseException | None) -> bool:
    code = orig.args[0] if orig is not None and orig.args else None
    return isinstance(orig, OSError) or code in _MYSQL_CONNECTION_ERRORS


def _database_unavailable(request: Request) -> JSONResponse:
    return problem_response(
        503,
        ErrorCode.SERVICE_UNAVAILABLE,
        "Service unavailable",
        "The database cannot be reached right now; retry shortly with the same Idempotency-Key.",
        instance=request.url.path,
        headers={"Retry-After": "2"},
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.code,
            exc.title,
            exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extensions,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        malformed = any(error["type"] == "json_invalid" for error in errors)
        code = ErrorCode.MALFORMED_BODY if malformed else ErrorCode.VALIDATION_FAILED
        detail = "The request body is not valid JSON." if malformed else "The request has invalid fields."
        status = 400 if malformed else 422
        return problem_response(status, code, "Invalid request", detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        known = {
            404: (ErrorCode.ROUTE_NOT_FOUND, "Not found"),
            405: (ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed"),
            401: (ErrorCode.NOT_AUTHENTICATED, "Not authenticated"),
            403: (ErrorCode.FORBIDDEN, "Forbidden"),
            413: (ErrorCode.PAYLOAD_TOO_LARGE, "Payload too large"),
        }
        code, title = known.get(exc.status_code, (ErrorCode.VALIDATION_FAILED, "Bad request"))
        return problem_response(
            exc.status_code,
            code,
            title,
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
            **getattr(exc, "extensions", {}),
        )

    @app.exception_handler(SQLAlchemyTimeoutError)
    async def _pool_exhausted(request: Request, exc: SQLAlchemyTimeoutError) -> JSONResponse:
        logger.warning("no database connection free within the pool timeout on %s", request.url.path)
        return problem_response(
            503,
            ErrorCode.SERVICE_UNAVAILABLE,
            "Service unavailable",
            "The service is overloaded right now; retry shortly with the same Idempotency-Key.",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            ErrorCode.INTERNAL_ERROR,
            "Internal server error",
            "Something went wrong on our side; the request id identifies it in the logs.",
            instance=request.url.path,
        )

    @app.exception_handler(OSError)
    async def _unreachable(request: Request, exc: OSError) -> JSONResponse:
        logger.error("a dependency is unreachable on %s: %s", request.url.path, exc)
        return _database_unavailable(request)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated or _lost_connection(exc.orig):
            logger.error("the database connection failed on %s", request.url.path)
            return _database_unavailable(request)
        if "deadlock" not in str(exc.orig).lower():
            return await _unexpected(request, exc)
        logger.warning("deadlock on %s; the transaction was rolled back", request.url.path)
        return problem_response(
            409,
            ErrorCode.CONCURRENT_MODIFICATION,
            "Conflict",
            "Another request changed the same data at the same moment; retry the request.",
            instance=request.url.path,
        )
