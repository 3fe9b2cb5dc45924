from pathlib import Path

from sos.core.erd import render, replace_generated
from sos.models import metadata

DATA_MODEL_DOC = Path(__file__).resolve().parents[4] / "docs" / "data-model.md"


def test_er_diagram_in_the_docs_matches_the_models() -> None:
    document = DATA_MODEL_DOC.read_text()
    assert replace_generated(document, render(metadata)) == document, "run `cd apps/backend && uv run sos erd`"


def test_er_diagram_names_every_table() -> None:
    diagram = render(metadata)
    assert all(f"    {name} {{" in diagram for name in metadata.tables)
