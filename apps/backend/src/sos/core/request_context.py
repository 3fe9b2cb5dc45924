"""The request id of the request being served, for logs and problem bodies."""

from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("sos_request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str | None) -> None:
    """Each ASGI request runs in its own task, so the binding never leaks into another request."""
    _request_id.set(value)
