import re

from fastapi import FastAPI


def _operations(app: FastAPI) -> list[dict[str, object]]:
    return [operation for path in app.openapi()["paths"].values() for operation in path.values()]


def test_every_operation_has_a_snake_case_operation_id(app: FastAPI) -> None:
    ids = [str(operation.get("operationId", "")) for operation in _operations(app)]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", operation_id) for operation_id in ids), ids


def test_operation_ids_are_unique(app: FastAPI) -> None:
    ids = [operation["operationId"] for operation in _operations(app)]
    assert len(ids) == len(set(ids))


def test_api_lives_under_the_versioned_prefix(app: FastAPI) -> None:
    paths = set(app.openapi()["paths"])
    assert paths - {"/livez", "/readyz"} == {path for path in paths if path.startswith("/api/v1/")}
