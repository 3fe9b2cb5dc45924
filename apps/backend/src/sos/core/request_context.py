"""The request id and W3C trace context of the work being served, for logs, problem bodies and outbox events."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("sos_request_id", default=None)
_traceparent: ContextVar[str | None] = ContextVar("sos_traceparent", default=None)

_TRACEPARENT = re.compile(
    r"^(?P<version>[0-9a-f]{2})-(?P<trace_id>[0-9a-f]{32})-(?P<parent_id>[0-9a-f]{16})-(?P<flags>[0-9a-f]{2})$"
)
_SAMPLED = "01"


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str | None) -> None:
    """Each ASGI request runs in its own task, so the binding never leaks into another request."""
    _request_id.set(value)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the work in hand (a request, or an event being consumed), if one is bound."""
    return _traceparent.get()


def bind_traceparent(value: str | None) -> None:
    _traceparent.set(value)


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """The trace id and flags of a valid ``traceparent`` header, or None (W3C Trace Context, level 1)."""
    match = _TRACEPARENT.match((value or "").strip())
    if match is None or match["version"] == "ff":
        return None
    trace_id, parent_id = match["trace_id"], match["parent_id"]
    if trace_id == "0" * 32 or parent_id == "0" * 16:
        return None
    return trace_id, match["flags"]


def new_span_id() -> str:
    return secrets.token_hex(8)


def child_traceparent(incoming: str | None) -> str:
    """The ``traceparent`` of this process's own span: the caller's trace continued, or a new trace."""
    parsed = parse_traceparent(incoming)
    trace_id, flags = parsed if parsed is not None else (secrets.token_hex(16), _SAMPLED)
    return f"00-{trace_id}-{new_span_id()}-{flags}"


@contextmanager
def continued_trace(parent: str | None) -> Iterator[str]:
    """Binds a child span of ``parent`` (or a new trace) while the block runs, then restores the previous binding."""
    token = _traceparent.set(child_traceparent(parent))
    try:
        yield _traceparent.get() or ""
    finally:
        _traceparent.reset(token)
