"""INSERT that leaves an existing row alone, in each supported database's own syntax."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import mysql, postgresql, sqlite

from sos.core.config import DatabaseKind


def insert_ignoring_duplicates(kind: DatabaseKind, table: Table, values: dict[str, Any]) -> Insert:
    """A duplicate primary key is skipped; any other error (a missing foreign key, say) still raises."""
    if kind is DatabaseKind.POSTGRESQL:
        return postgresql.insert(table).values(values).on_conflict_do_nothing()
    if kind is DatabaseKind.MYSQL:
        statement = mysql.insert(table).values(values)
        key = next(iter(table.primary_key.columns)).name
        return statement.on_duplicate_key_update({key: statement.inserted[key]})
    return sqlite.insert(table).values(values).on_conflict_do_nothing()
