"""Opaque keyset cursors and the page envelope shared by every list endpoint."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from sos.core.errors import BadRequest, ErrorCode
from sos.core.schemas import utc_in_range

ItemT = TypeVar("ItemT")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; absent on the last page."
    )


def encode_cursor(*keys: UUID | datetime) -> str:
    raw = [key.isoformat() if isinstance(key, datetime) else str(key) for key in keys]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type[UUID] | type[datetime]) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(raw, list) or len(raw) != len(types):
            raise ValueError("wrong shape")
        return tuple(_decode_key(kind, value) for kind, value in zip(types, raw, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest(
            "The cursor is not one this API issued; start again without it.", code=ErrorCode.INVALID_CURSOR
        ) from exc


def _decode_key(kind: type[UUID] | type[datetime], value: object) -> UUID | datetime:
    if not isinstance(value, str):
        raise TypeError("cursor keys are strings")
    if kind is UUID:
        return UUID(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("cursor times carry their offset")
    return utc_in_range(moment)


@dataclass(frozen=True, slots=True)
class PageParams:
    cursor: str | None
    limit: int


async def page_params(
    cursor: Annotated[str | None, Query(max_length=512, description="From a previous page's next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PageParams:
    return PageParams(cursor=cursor, limit=limit)


Paging = Annotated[PageParams, Depends(page_params)]
