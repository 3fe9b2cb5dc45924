"""The demo organization that `make run` seeds into an empty database, so nothing starts empty.

Its alerts go through the real use cases, so they carry events, timelines and timestamps like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from sos.alerts import service as alerts
from sos.alerts.domain import AlertAction, Category, Severity, SourceChannel
from sos.alerts.schemas import AlertCreate, AssignmentCreate
from sos.auth.principal import Principal
from sos.core.config import Settings
from sos.core.container import Container, bootstrap
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.core.schemas import LocationIn
from sos.core.security import hash_password
from sos.escalation import service as escalation
from sos.escalation.domain import TargetKind
from sos.escalation.schemas import PolicyIn, ScheduleTarget, TeamTarget, TierIn, UserTarget
from sos.incidents import service as incidents
from sos.incidents.schemas import IncidentCreate
from sos.messages import service as messages
from sos.organizations.models import Organization
from sos.responders.domain import Availability
from sos.responders.models import ResponderProfile
from sos.schedules import service as schedules
from sos.schedules.domain import RotationKind
from sos.schedules.schemas import LayerIn, ScheduleIn
from sos.teams.domain import TeamRole
from sos.teams.models import Team, TeamMember
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

DEMO_PASSWORD = "sos-demo-2026!"  # noqa: S105 - a published demo login, printed for the person running `make run`
DEMO_ORGANIZATION = "demo"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    place: tuple[float, float] | None = None
    skills: tuple[str, ...] = ()
    availability: Availability = Availability.AVAILABLE


LOGINS = (
    DemoPerson("admin@demo.sos.test", "Ada Admin", Role.ADMIN),
    DemoPerson("coordinator@demo.sos.test", "Cora Coordinator", Role.COORDINATOR),
    DemoPerson("responder@demo.sos.test", "Rafael Responder", Role.RESPONDER, (52.5219, 13.4132), ("first_aid", "cpr")),
    DemoPerson("reporter@demo.sos.test", "Rita Reporter", Role.REPORTER),
)

# Responders placed around Berlin landmarks.
FIELD_TEAM = (
    DemoPerson(
        "mia.paramedic@demo.sos.test", "Mia Paramedic", Role.RESPONDER, (52.4986, 13.4030), ("paramedic", "cpr")
    ),
    DemoPerson("jonas.firefighter@demo.sos.test", "Jonas Firefighter", Role.RESPONDER, (52.5200, 13.2950), ("fire",)),
    DemoPerson("lea.medic@demo.sos.test", "Lea Medic", Role.RESPONDER, (52.4811, 13.4353), ("first_aid",)),
    DemoPerson(
        "tom.diver@demo.sos.test", "Tom Diver", Role.RESPONDER, (52.5013, 13.4445), ("water_rescue", "first_aid")
    ),
    DemoPerson(
        "sara.driver@demo.sos.test", "Sara Driver", Role.RESPONDER, (52.5390, 13.4240), ("driver",), Availability.BUSY
    ),
    DemoPerson(
        "ali.nurse@demo.sos.test", "Ali Nurse", Role.RESPONDER, (52.5145, 13.3501), ("nurse",), Availability.OFF_DUTY
    ),
)

TEAMS = {
    "Berlin Operations": None,
    "Mitte Rapid Response": "Berlin Operations",
    "Kreuzberg Medical": "Berlin Operations",
    "Spree Water Rescue": "Berlin Operations",
}
TEAM_MEMBERS = {
    "Mitte Rapid Response": ("responder@demo.sos.test", "sara.driver@demo.sos.test"),
    "Kreuzberg Medical": ("mia.paramedic@demo.sos.test", "lea.medic@demo.sos.test", "ali.nurse@demo.sos.test"),
    "Spree Water Rescue": ("tom.diver@demo.sos.test",),
    "Berlin Operations": ("coordinator@demo.sos.test", "jonas.firefighter@demo.sos.test"),
}


@dataclass(frozen=True)
class DemoAlert:
    place: tuple[float, float]
    category: Category
    severity: Severity
    note: str
    actions: tuple[AlertAction, ...]
    team: str | None = None


ALERTS = (
    DemoAlert((52.5163, 13.3777), Category.MEDICAL, Severity.CRITICAL, "Man collapsed at the Brandenburg Gate", ()),
    DemoAlert((52.5076, 13.3904), Category.PERSONAL_SAFETY, Severity.HIGH, "Being followed near the U-Bahn", ()),
    DemoAlert((52.5208, 13.4094), Category.ACCIDENT, Severity.HIGH, "Cyclist hit by a car", (AlertAction.ACKNOWLEDGE,)),
    DemoAlert(
        (52.4994, 13.4182),
        Category.MEDICAL,
        Severity.CRITICAL,
        "Allergic reaction, EpiPen used",
        (AlertAction.ACKNOWLEDGE, AlertAction.DISPATCH),
        "Kreuzberg Medical",
    ),
    DemoAlert(
        (52.5027, 13.4470),
        Category.ACCIDENT,
        Severity.CRITICAL,
        "Person in the Spree at the Oberbaum Bridge",
        (AlertAction.ACKNOWLEDGE, AlertAction.DISPATCH, AlertAction.ARRIVE),
        "Spree Water Rescue",
    ),
    DemoAlert(
        (52.5250, 13.3690),
        Category.FIRE,
        Severity.MEDIUM,
        "Smoke from a kitchen window",
        (AlertAction.ACKNOWLEDGE, AlertAction.DISPATCH, AlertAction.ARRIVE, AlertAction.RESOLVE),
        "Mitte Rapid Response",
    ),
    DemoAlert((52.5305, 13.4010), Category.OTHER, Severity.LOW, "Pressed by accident", (AlertAction.CANCEL,)),
)


def print_logins() -> None:
    print(f"\nDemo logins (organization '{DEMO_ORGANIZATION}', password for all: {DEMO_PASSWORD})")
    for person in LOGINS:
        print(f"  {person.role.value:<12} {person.email}")
    print()


async def _has_data(container: Container) -> bool:
    async with container.engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(Organization))).scalar_one()
    return count > 0


async def _people(container: Container, organization_id: UUID) -> dict[str, UUID]:
    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)
    ids: dict[str, UUID] = {}
    async with container.engine.begin() as connection:
        for person in (*LOGINS, *FIELD_TEAM):
            user_id = new_id()
            ids[person.email] = user_id
            await connection.execute(
                insert(User).values(
                    id=user_id,
                    email=person.email,
                    full_name=person.name,
                    password_hash=password_hash,
                    created_at=now,
                    updated_at=now,
                )
            )
            await connection.execute(
                insert(Membership).values(
                    id=new_id(),
                    organization_id=organization_id,
                    user_id=user_id,
                    role=person.role,
                    status=MembershipStatus.ACTIVE,
                    created_at=now,
                    updated_at=now,
                )
            )
            if person.role is Role.RESPONDER and person.place is not None:
                await connection.execute(
                    insert(ResponderProfile).values(
                        id=new_id(),
                        organization_id=organization_id,
                        user_id=user_id,
                        skills=list(person.skills),
                        availability=person.availability,
                        availability_changed_at=now,
                        last_lat=person.place[0],
                        last_lon=person.place[1],
                        last_accuracy_m=15.0,
                        last_located_at=now - timedelta(minutes=2),
                        created_at=now,
                        updated_at=now,
                    )
                )
    return ids


async def _teams(container: Container, organization_id: UUID, people: dict[str, UUID]) -> dict[str, UUID]:
    now = utcnow()
    ids: dict[str, UUID] = {}
    async with container.engine.begin() as connection:
        for name, parent in TEAMS.items():
            ids[name] = new_id()
            await connection.execute(
                insert(Team).values(
                    id=ids[name],
                    organization_id=organization_id,
                    parent_id=ids[parent] if parent else None,
                    name=name,
                    description=None,
                    created_at=now,
                    updated_at=now,
                )
            )
        for name, emails in TEAM_MEMBERS.items():
            for index, email in enumerate(emails):
                await connection.execute(
                    insert(TeamMember).values(
                        team_id=ids[name],
                        user_id=people[email],
                        organization_id=organization_id,
                        role=TeamRole.LEAD if index == 0 else TeamRole.MEMBER,
                        added_at=now,
                    )
                )
    return ids


async def _alerts(
    container: Container, reporter: Principal, coordinator: Principal, teams: dict[str, UUID]
) -> list[UUID]:
    raised = []
    for demo in ALERTS:
        created, _ = await alerts.raise_alert(
            container.uow_factory(),
            reporter,
            AlertCreate(
                location=LocationIn(lat=demo.place[0], lon=demo.place[1], accuracy_m=25.0),
                note=demo.note,
                category=demo.category,
                severity=demo.severity,
                source=SourceChannel.APP,
            ),
            None,
        )
        if demo.team is not None:
            await alerts.assign(
                container.uow_factory(),
                coordinator,
                created.id,
                AssignmentCreate(team_ids=[teams[demo.team]]),
            )
        for action in demo.actions:
            actor = reporter if action is AlertAction.CANCEL else coordinator
            await alerts.transition(
                container.uow_factory(), actor, created.id, action, note=None, expected_version=None
            )
        raised.append(created.id)
    return raised


async def _conversation(
    container: Container, reporter: Principal, coordinator: Principal, alert_ids: list[UUID]
) -> None:
    """One incident over the two river-side alerts, and messages, so those screens do not start empty either."""
    incident = await incidents.open_incident(
        container.uow_factory(),
        coordinator,
        IncidentCreate(
            title="Friedrichshain riverside",
            summary="Two calls near the Oberbaum Bridge; one commander for both.",
            commander_id=coordinator.user_id,
            alert_ids=[alert_ids[3], alert_ids[4]],
        ),
    )
    await messages.post_on_incident(
        container.uow_factory(), coordinator, incident.id, "Water rescue on scene; medics are on their way."
    )
    for author, body in (
        (coordinator, "An ambulance is four minutes out. Is he breathing?"),
        (reporter, "Yes, but he does not answer. I put him on his side."),
    ):
        await messages.post_on_alert(container.uow_factory(), author, alert_ids[0], body)


def _last_monday_morning(zone: ZoneInfo) -> datetime:
    today = datetime.now(zone).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(9, 0))


async def _escalation(container: Container, admin: Principal, people: dict[str, UUID], teams: dict[str, UUID]) -> None:
    """An on-call week for Kreuzberg Medical, its escalation policy, and a default policy that wakes the dispatch desk.

    The demo alerts still unacknowledged when the seed's events are consumed escalate too, as every later SOS does.
    """
    medics = ["mia.paramedic@demo.sos.test", "lea.medic@demo.sos.test", "ali.nurse@demo.sos.test"]
    medical_team = teams["Kreuzberg Medical"]
    schedule = await schedules.create_schedule(
        container.uow_factory(),
        admin,
        ScheduleIn(
            name="Kreuzberg Medical on call",
            time_zone="Europe/Berlin",
            team_id=medical_team,
            layers=[
                LayerIn(
                    name="Weekly medic",
                    rotation=RotationKind.WEEKLY,
                    members=[people[email] for email in medics],
                    starts_at=_last_monday_morning(ZoneInfo("Europe/Berlin")),
                )
            ],
        ),
    )
    await escalation.create_policy(
        container.uow_factory(),
        admin,
        PolicyIn(
            name="Kreuzberg Medical",
            team_id=medical_team,
            repeat_count=1,
            tiers=[
                TierIn(delay_minutes=5, targets=[ScheduleTarget(kind=TargetKind.SCHEDULE, schedule_id=schedule.id)]),
                TierIn(
                    delay_minutes=10, targets=[TeamTarget(kind=TargetKind.TEAM, team_id=teams["Kreuzberg Medical"])]
                ),
            ],
        ),
    )
    await escalation.create_policy(
        container.uow_factory(),
        admin,
        PolicyIn(
            name="Dispatch desk",
            description="Every new SOS: the coordinator first, then Berlin Operations.",
            is_default=True,
            repeat_count=2,
            tiers=[
                TierIn(
                    delay_minutes=3,
                    targets=[UserTarget(kind=TargetKind.USER, user_id=people["coordinator@demo.sos.test"])],
                ),
                TierIn(delay_minutes=5, targets=[TeamTarget(kind=TargetKind.TEAM, team_id=teams["Berlin Operations"])]),
            ],
        ),
    )


async def seed(settings: Settings, *, force: bool = False) -> bool:
    """Seeds the demo organization; returns False when the database already had data and ``force`` is off."""
    container = bootstrap(settings)
    try:
        if await _has_data(container) and not force:
            return False
        organization_id = new_id()
        now = utcnow()
        async with container.engine.begin() as connection:
            slug_taken = (
                await connection.execute(select(Organization.id).where(Organization.slug == DEMO_ORGANIZATION))
            ).first()
            if slug_taken is not None:
                return False
            await connection.execute(
                insert(Organization).values(
                    id=organization_id,
                    name="Demo Response Berlin",
                    slug=DEMO_ORGANIZATION,
                    timezone="Europe/Berlin",
                    created_at=now,
                    updated_at=now,
                )
            )
        people = await _people(container, organization_id)
        teams = await _teams(container, organization_id, people)
        reporter = Principal(
            user_id=people["reporter@demo.sos.test"], organization_id=organization_id, role=Role.REPORTER
        )
        coordinator = Principal(
            user_id=people["coordinator@demo.sos.test"], organization_id=organization_id, role=Role.COORDINATOR
        )
        alert_ids = await _alerts(container, reporter, coordinator, teams)
        await _conversation(container, reporter, coordinator, alert_ids)
        admin = Principal(user_id=people["admin@demo.sos.test"], organization_id=organization_id, role=Role.ADMIN)
        await _escalation(container, admin, people, teams)
        await container.relay.drain()
        return True
    finally:
        await container.dispose()
