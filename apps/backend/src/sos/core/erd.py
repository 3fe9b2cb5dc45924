"""Renders the data model as a Mermaid ER diagram, so docs/data-model.md is generated, never hand-kept."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, Table, UniqueConstraint

BEGIN = "<!-- BEGIN GENERATED ER DIAGRAM: `uv run sos erd` -->"
END = "<!-- END GENERATED ER DIAGRAM -->"


def _type_name(column: Column[object]) -> str:
    name = type(column.type).__name__
    return {"UTCDateTime": "datetime", "Uuid": "uuid", "JSON": "json", "Double": "double", "Enum": "enum"}.get(
        name, name.lower()
    )


def _column_line(table: Table, column: Column[object]) -> str:
    keys = []
    if column.primary_key:
        keys.append("PK")
    if column.foreign_keys:
        keys.append("FK")
    unique = column.unique or any(
        isinstance(constraint, UniqueConstraint) and constraint.columns.keys() == [column.name]
        for constraint in table.constraints
    )
    if unique and not column.primary_key:
        keys.append("UK")
    suffix = f" {','.join(keys)}" if keys else ""
    null = ' "nullable"' if column.nullable and not column.primary_key else ""
    return f"        {_type_name(column)} {column.name}{suffix}{null}"


def render(metadata: MetaData) -> str:
    lines = ["```mermaid", "erDiagram"]
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        lines.append(f"    {table.name} {{")
        lines.extend(_column_line(table, column) for column in table.columns)
        lines.append("    }")
    relations = set()
    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            optional = "o" if fk.parent.nullable else "|"
            relations.add(f'    {parent} ||--{optional}{{ {table.name} : "{fk.parent.name}"')
    lines.extend(sorted(relations))
    lines.append("```")
    return "\n".join(lines)


def replace_generated(document: str, diagram: str) -> str:
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{diagram}\n{END}{tail}"
