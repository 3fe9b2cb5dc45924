"""Real time and dispatch: dispatch offers and chains, responder engagements, team dispatch settings,
nearest-responder escalation targets, and indexes for the dispatch search and for trail retention

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 05:50:48.348156
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sos.core.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_REFERENCE = (
    "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN schedule_id IS NULL THEN 0 ELSE 1 END) = 1"
)
NEAREST_OR_ONE_REFERENCE = (
    "(kind = 'nearest_responders' AND user_id IS NULL AND schedule_id IS NULL AND nearest_count IS NOT NULL)"
    " OR ((CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN schedule_id IS NULL THEN 0 ELSE 1 END) = 1)"
)


def upgrade() -> None:
    op.create_table(
        "team_dispatch_settings",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "mode", sa.Enum("suggest", "auto", name="dispatchmode", native_enum=False, length=32), nullable=False
        ),
        sa.Column("offer_timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("max_offers", sa.Integer(), nullable=False),
        sa.Column("radius_km", sa.Double(), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "max_offers >= 1 AND max_offers <= 50", name=op.f("ck_team_dispatch_settings_max_offers_range")
        ),
        sa.CheckConstraint(
            "offer_timeout_seconds >= 10 AND offer_timeout_seconds <= 600",
            name=op.f("ck_team_dispatch_settings_offer_timeout_range"),
        ),
        sa.CheckConstraint("radius_km > 0 AND radius_km <= 20000", name=op.f("ck_team_dispatch_settings_radius_range")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_team_dispatch_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_dispatch_settings_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_dispatch_settings")),
    )
    with op.batch_alter_table("team_dispatch_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_dispatch_settings_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "dispatch_chains",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("max_offers", sa.Integer(), nullable=False),
        sa.Column("radius_km", sa.Double(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "accepted", "exhausted", "stopped", name="chainstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("offers_made", sa.Integer(), nullable=False),
        sa.Column("current_offer_id", sa.Uuid(), nullable=True),
        sa.Column("started_by_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_dispatch_chains_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_dispatch_chains_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_dispatch_chains_started_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_dispatch_chains_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_chains")),
    )
    with op.batch_alter_table("dispatch_chains", schema=None) as batch_op:
        batch_op.create_index("ix_dispatch_chains_alert_status", ["alert_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_chains_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_chains_team_id"), ["team_id"], unique=False)

    op.create_table(
        "responder_engagements",
        sa.Column("responder_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("offer", "escalation", name="engagementsource", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("engaged_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_responder_engagements_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_responder_engagements_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responder_id"], ["users.id"], name=op.f("fk_responder_engagements_responder_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("responder_id", name=op.f("pk_responder_engagements")),
    )
    with op.batch_alter_table("responder_engagements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_responder_engagements_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_responder_engagements_offer_id"), ["offer_id"], unique=False)

    op.create_table(
        "dispatch_offers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("responder_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("chain_id", sa.Uuid(), nullable=True),
        sa.Column("mode", sa.Enum("manual", "auto", name="offermode", native_enum=False, length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("eta_seconds", sa.Double(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "offered",
                "accepted",
                "declined",
                "expired",
                "withdrawn",
                name="offerstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("offered_by_id", sa.Uuid(), nullable=True),
        sa.Column("offered_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_dispatch_offers_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["chain_id"],
            ["dispatch_chains.id"],
            name=op.f("fk_dispatch_offers_chain_id_dispatch_chains"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offered_by_id"], ["users.id"], name=op.f("fk_dispatch_offers_offered_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_dispatch_offers_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responder_id"], ["users.id"], name=op.f("fk_dispatch_offers_responder_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_dispatch_offers_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_offers")),
    )
    with op.batch_alter_table("dispatch_offers", schema=None) as batch_op:
        batch_op.create_index("ix_dispatch_offers_alert", ["alert_id", "offered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_offers_chain_id"), ["chain_id"], unique=False)
        batch_op.create_index("ix_dispatch_offers_due", ["status", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_offers_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index("ix_dispatch_offers_responder", ["responder_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_offers_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("alert_locations", schema=None) as batch_op:
        batch_op.create_index("ix_alert_locations_recorded_at", ["recorded_at"], unique=False)

    with op.batch_alter_table("escalation_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nearest_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("skills", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("radius_km", sa.Double(), nullable=True))
        batch_op.drop_constraint(op.f("ck_escalation_targets_one_reference"), type_="check")
        batch_op.create_check_constraint(op.f("ck_escalation_targets_one_reference"), NEAREST_OR_ONE_REFERENCE)

    with op.batch_alter_table("responder_locations", schema=None) as batch_op:
        batch_op.create_index("ix_responder_locations_recorded_at", ["recorded_at"], unique=False)

    with op.batch_alter_table("responder_profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responder_profiles_dispatch", ["organization_id", "availability", "last_lat", "last_lon"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("responder_profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_responder_profiles_dispatch")

    with op.batch_alter_table("responder_locations", schema=None) as batch_op:
        batch_op.drop_index("ix_responder_locations_recorded_at")

    op.execute("DELETE FROM escalation_targets WHERE kind = 'nearest_responders'")
    with op.batch_alter_table("escalation_targets", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_escalation_targets_one_reference"), type_="check")
        batch_op.create_check_constraint(op.f("ck_escalation_targets_one_reference"), ONE_REFERENCE)
    with op.batch_alter_table("escalation_targets", schema=None) as batch_op:
        batch_op.drop_column("radius_km")
        batch_op.drop_column("skills")
        batch_op.drop_column("nearest_count")

    with op.batch_alter_table("alert_locations", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_locations_recorded_at")

    op.drop_table("dispatch_offers")
    op.drop_table("responder_engagements")
    op.drop_table("dispatch_chains")
    op.drop_table("team_dispatch_settings")
