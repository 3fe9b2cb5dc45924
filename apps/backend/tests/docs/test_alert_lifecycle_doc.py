from pathlib import Path

from sos.alerts.domain import TRANSITIONS

LIFECYCLE_DOC = Path(__file__).resolve().parents[4] / "docs" / "alert-lifecycle.md"


def test_lifecycle_diagram_draws_every_transition() -> None:
    document = LIFECYCLE_DOC.read_text()
    for action, transition in TRANSITIONS.items():
        for source in transition.sources:
            assert f"{source.value} --> {transition.target.value} : {action.value}" in document


def test_lifecycle_diagram_draws_no_transition_the_code_forbids() -> None:
    drawn = {line.strip() for line in LIFECYCLE_DOC.read_text().splitlines() if " --> " in line and "[*]" not in line}
    allowed = {
        f"{source.value} --> {transition.target.value} : {action.value}"
        for action, transition in TRANSITIONS.items()
        for source in transition.sources
    }
    assert drawn == allowed
