"""Which alerts a caller may see: staff see their organization's, responders their assignments', reporters their own."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true

from sos.alerts.models import Alert, AlertAssignment
from sos.auth.principal import Principal
from sos.teams.models import TeamMember
from sos.users.domain import Role


def visible_alerts(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting alerts to the caller's organization and role."""
    in_tenant = Alert.organization_id == principal.organization_id
    if principal.is_staff:
        return in_tenant & true()
    own = Alert.reporter_id == principal.user_id
    if principal.role is Role.RESPONDER:
        return in_tenant & or_(own, assigned_to(principal))
    return in_tenant & own


def assigned_to(principal: Principal) -> ColumnElement[bool]:
    """The alert is assigned to the caller, directly or through one of their teams."""
    my_teams = select(TeamMember.team_id).where(TeamMember.user_id == principal.user_id)
    return exists().where(
        AlertAssignment.alert_id == Alert.id,
        or_(AlertAssignment.responder_id == principal.user_id, AlertAssignment.team_id.in_(my_teams)),
    )
