"""Portable enum columns: stored as short strings with their values, no native database enum types."""

from enum import StrEnum

from sqlalchemy import Enum


def str_enum(enum_type: type[StrEnum]) -> Enum:
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )
