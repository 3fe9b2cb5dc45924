"""Imports every model so the metadata is complete for Alembic and for tests."""

# Each domain's tables register themselves on the shared metadata when its models module is imported.
import sos.analytics.models
import sos.checkins.models
import sos.contacts.models
import sos.dispatch.models
import sos.escalation.models
import sos.notifications.models
import sos.providers.models
import sos.schedules.models  # noqa: F401
from sos.alerts.models import Alert, AlertAssignment, AlertLocation
from sos.auth.models import RefreshToken
from sos.core.db import Base
from sos.core.events import OutboxEvent, ProcessedMessage
from sos.incidents.models import Incident
from sos.messages.models import Message
from sos.organizations.models import Organization
from sos.responders.models import ResponderLocation, ResponderProfile
from sos.teams.models import Team, TeamMember
from sos.timeline.models import TimelineEntry
from sos.users.models import Membership, User

metadata = Base.metadata

__all__ = [
    "Alert",
    "AlertAssignment",
    "AlertLocation",
    "Incident",
    "Membership",
    "Message",
    "Organization",
    "OutboxEvent",
    "ProcessedMessage",
    "RefreshToken",
    "ResponderLocation",
    "ResponderProfile",
    "Team",
    "TeamMember",
    "TimelineEntry",
    "User",
    "metadata",
]
