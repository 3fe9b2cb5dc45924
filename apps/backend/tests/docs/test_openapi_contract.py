from pathlib import Path

from fastapi import FastAPI

from sos.core.openapi import render_openapi

CONTRACT = Path(__file__).resolve().parents[4] / "packages" / "contracts" / "openapi.json"


def test_committed_openapi_contract_matches_the_code(app: FastAPI) -> None:
    assert CONTRACT.read_text() == render_openapi(app), "run `cd apps/backend && uv run sos openapi`"
