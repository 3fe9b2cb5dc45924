from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from sos.core.errors import BadRequest, ErrorCode
from sos.core.pagination import decode_cursor, encode_cursor


def raw_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_uuid_cursor_round_trips() -> None:
    key = uuid4()
    assert decode_cursor(encode_cursor(key), UUID) == (key,)


def test_compound_cursor_round_trips() -> None:
    when, key = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC), uuid4()
    assert decode_cursor(encode_cursor(when, key), datetime, UUID) == (when, key)


def test_cursor_is_url_safe_without_padding() -> None:
    cursor = encode_cursor(uuid4())
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    ("cursor", "types"),
    [
        ("%%%not-base64%%%", (UUID,)),
        (raw_cursor({"id": "x"}), (UUID,)),
        (raw_cursor([str(uuid4())]), (datetime, UUID)),
        (raw_cursor(["not-a-uuid"]), (UUID,)),
        (raw_cursor([5]), (UUID,)),
        (raw_cursor([{"a": 1}]), (UUID,)),
        (raw_cursor([None]), (UUID,)),
        (raw_cursor([5]), (datetime,)),
        (raw_cursor(["2026-01-02T03:04:05"]), (datetime,)),
        (raw_cursor(["yesterday"]), (datetime,)),
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), (UUID,)),
    ],
    ids=[
        "not_base64",
        "not_a_list",
        "wrong_arity",
        "bad_uuid",
        "number_for_uuid",
        "object_for_uuid",
        "null_for_uuid",
        "number_for_datetime",
        "naive_datetime",
        "bad_datetime",
        "not_utf8",
    ],
)
def test_tampered_cursor_is_a_typed_bad_request(cursor: str, types: tuple[type[UUID] | type[datetime], ...]) -> None:
    with pytest.raises(BadRequest) as caught:
        decode_cursor(cursor, *types)
    assert caught.value.code is ErrorCode.INVALID_CURSOR
    assert caught.value.status == 400
