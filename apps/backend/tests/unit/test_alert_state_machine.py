from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sos.alerts.domain import (
    OPEN_STATUSES,
    TRANSITIONS,
    AlertAction,
    AlertStatus,
    actions_for,
    allowed_actions,
    next_status,
)
from sos.core.state_machine import TransitionNotAllowed
from sos.users.domain import Role

S, A = AlertStatus, AlertAction

# The lifecycle of the issue, written out independently of the implementation.
LIFECYCLE: dict[tuple[AlertStatus, AlertAction], AlertStatus] = {
    (S.TRIGGERED, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.ACKNOWLEDGED, A.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.ARRIVE): S.ON_SCENE,
    (S.ACKNOWLEDGED, A.RESOLVE): S.RESOLVED,
    (S.DISPATCHED, A.RESOLVE): S.RESOLVED,
    (S.ON_SCENE, A.RESOLVE): S.RESOLVED,
    (S.TRIGGERED, A.CANCEL): S.CANCELLED,
    (S.ACKNOWLEDGED, A.CANCEL): S.CANCELLED,
    (S.DISPATCHED, A.CANCEL): S.CANCELLED,
    (S.ON_SCENE, A.CANCEL): S.CANCELLED,
    (S.RESOLVED, A.REOPEN): S.TRIGGERED,
}
FORBIDDEN = [(status, action) for status in S for action in A if (status, action) not in LIFECYCLE]


@pytest.mark.parametrize(("status", "action"), list(LIFECYCLE), ids=lambda v: str(v))
def test_allowed_transition_reaches_its_target(status: AlertStatus, action: AlertAction) -> None:
    assert next_status(status, action) is LIFECYCLE[(status, action)]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=lambda v: str(v))
def test_forbidden_transition_raises(status: AlertStatus, action: AlertAction) -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        next_status(status, action)
    assert (caught.value.status, caught.value.action) == (status, action)
    assert str(caught.value) == f"cannot {action.value} an alert that is {status.value}"


@pytest.mark.parametrize("status", list(S))
def test_allowed_actions_lists_exactly_the_lifecycle_actions(status: AlertStatus) -> None:
    expected = {action for (source, action) in LIFECYCLE if source is status}
    assert set(allowed_actions(status)) == expected


def test_cancelled_is_terminal() -> None:
    assert allowed_actions(S.CANCELLED) == []


def test_cancel_is_allowed_from_every_open_status_only() -> None:
    assert TRANSITIONS[A.CANCEL].sources == OPEN_STATUSES == {S.TRIGGERED, S.ACKNOWLEDGED, S.DISPATCHED, S.ON_SCENE}


def test_every_transition_stamps_a_field_named_for_its_target() -> None:
    stamps = {action: spec.timestamp_field for action, spec in TRANSITIONS.items()}
    assert stamps == {
        A.ACKNOWLEDGE: "acknowledged_at",
        A.DISPATCH: "dispatched_at",
        A.ARRIVE: "on_scene_at",
        A.RESOLVE: "resolved_at",
        A.CANCEL: "cancelled_at",
        A.REOPEN: "reopened_at",
    }


def test_reporters_may_only_cancel() -> None:
    assert [action for action, spec in TRANSITIONS.items() if Role.REPORTER in spec.roles] == [A.CANCEL]


def test_responders_may_not_cancel_or_reopen() -> None:
    forbidden = {action for action, spec in TRANSITIONS.items() if Role.RESPONDER not in spec.roles}
    assert forbidden == {A.CANCEL, A.REOPEN}


def test_an_unassigned_responder_is_offered_nothing() -> None:
    assert actions_for(S.ACKNOWLEDGED, Role.RESPONDER, own=False, assigned=False) == []


def test_whoever_raised_an_open_alert_may_cancel_it() -> None:
    assert all(A.CANCEL in actions_for(status, Role.RESPONDER, own=True, assigned=False) for status in OPEN_STATUSES)


def test_staff_may_take_every_action() -> None:
    assert all({Role.ADMIN, Role.COORDINATOR} <= spec.roles for spec in TRANSITIONS.values())


@given(st.lists(st.sampled_from(list(A)), max_size=40))
def test_any_sequence_of_actions_follows_the_lifecycle(actions: list[AlertAction]) -> None:
    status = S.TRIGGERED
    for action in actions:
        expected = LIFECYCLE.get((status, action))
        if expected is None:
            with pytest.raises(TransitionNotAllowed):
                next_status(status, action)
            assert action not in allowed_actions(status)
        else:
            assert action in allowed_actions(status)
            status = next_status(status, action)
            assert status is expected
    assert status in set(S)


@given(st.sampled_from(list(S)), st.sampled_from(list(A)))
def test_an_action_is_allowed_exactly_when_next_status_succeeds(status: AlertStatus, action: AlertAction) -> None:
    try:
        next_status(status, action)
    except TransitionNotAllowed:
        assert action not in allowed_actions(status)
    else:
        assert action in allowed_actions(status)
