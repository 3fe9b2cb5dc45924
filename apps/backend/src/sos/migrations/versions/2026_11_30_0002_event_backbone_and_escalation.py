"""Event backbone and escalation: outbox trace context and parking, consumer dead letters, escalation policies and
state, on-call schedules, check-in timers, notifications and response metrics

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 23:50:00.728548
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import sos.core.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_type", sa.String(length=96), nullable=False),
        sa.Column("aggregate_type", sa.String(length=64), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(mysql.JSON(), "mariadb").with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("first_failed_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_dead_letters")),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index("ix_dead_letters_event", ["event_id"], unique=False)
        batch_op.create_index("ix_dead_letters_status", ["status"], unique=False)

    op.create_table(
        "alert_response_metrics",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=True),
        sa.Column("triggered_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_dispatched_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_scene_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seconds_to_acknowledge", sa.Double(), nullable=True),
        sa.Column("seconds_to_resolve", sa.Double(), nullable=True),
        sa.Column("escalation_steps", sa.Integer(), nullable=False),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_alert_response_metrics_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_response_metrics")),
    )
    with op.batch_alter_table("alert_response_metrics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_response_metrics_org_triggered", ["organization_id", "triggered_at"], unique=False
        )

    op.create_table(
        "alert_metric_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert_response_metrics.alert_id"],
            name=op.f("fk_alert_metric_events_alert_id_alert_response_metrics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_alert_metric_events")),
    )
    with op.batch_alter_table("alert_metric_events", schema=None) as batch_op:
        batch_op.create_index("ix_alert_metric_events_alert_kind", ["alert_id", "kind"], unique=False)

    op.create_table(
        "escalation_policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "repeat_count >= 0 AND repeat_count <= 10", name=op.f("ck_escalation_policies_repeat_count_range")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_escalation_policies_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_escalation_policies_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_policies")),
        sa.UniqueConstraint("team_id", name=op.f("uq_escalation_policies_team_id")),
    )
    with op.batch_alter_table("escalation_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_policies_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "oncall_schedules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_oncall_schedules_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_oncall_schedules_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_schedules")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_oncall_schedules_organization_id_name")),
    )
    with op.batch_alter_table("oncall_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncall_schedules_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncall_schedules_team_id"), ["team_id"], unique=False)

    op.create_table(
        "alert_escalations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active", "acknowledged", "stopped", "exhausted", name="escalationstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("tier_index", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_escalations_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_alert_escalations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_alert_escalations_policy_id_escalation_policies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_escalations")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_alert_escalations_alert_id")),
    )
    with op.batch_alter_table("alert_escalations", schema=None) as batch_op:
        batch_op.create_index("ix_alert_escalations_due", ["status", "next_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_escalations_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_escalations_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "checkin_timers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "cancelled", "expired", name="checkinstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("due_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "severity",
            sa.Enum("low", "medium", "high", "critical", name="severity", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "medical",
                "fire",
                "crime",
                "accident",
                "personal_safety",
                "natural_disaster",
                "other",
                name="category",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("located_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Uuid(), nullable=True),
        sa.Column("expired_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_checkin_timers_alert_id_alerts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["users.id"], name=op.f("fk_checkin_timers_cancelled_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_checkin_timers_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_checkin_timers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_timers")),
        sa.UniqueConstraint(
            "organization_id",
            "user_id",
            "idempotency_key",
            name=op.f("uq_checkin_timers_organization_id_user_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("checkin_timers", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_timers_org_status_id", ["organization_id", "status", "id"], unique=False)
        batch_op.create_index("ix_checkin_timers_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_checkin_timers_user_id", ["user_id", "id"], unique=False)

    op.create_table(
        "escalation_tiers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "delay_minutes >= 1 AND delay_minutes <= 1440", name=op.f("ck_escalation_tiers_delay_range")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_escalation_tiers_policy_id_escalation_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_tiers")),
        sa.UniqueConstraint("policy_id", "position", name=op.f("uq_escalation_tiers_policy_id_position")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=96), nullable=False),
        sa.Column(
            "channel", sa.Enum("in_app", name="notificationchannel", native_enum=False, length=32), nullable=False
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "delivered", "read", "failed", name="notificationstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("dedup_key", sa.String(length=120), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_notifications_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_notifications_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("organization_id", "dedup_key", name=op.f("uq_notifications_organization_id_dedup_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_notifications_inbox", ["user_id", "organization_id", "id"], unique=False)
        batch_op.create_index("ix_notifications_sweep", ["status", "enqueued_at"], unique=False)

    op.create_table(
        "oncall_feed_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_oncall_feed_tokens_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_oncall_feed_tokens_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["oncall_schedules.id"],
            name=op.f("fk_oncall_feed_tokens_schedule_id_oncall_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oncall_feed_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oncall_feed_tokens_token_hash")),
    )
    with op.batch_alter_table("oncall_feed_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncall_feed_tokens_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncall_feed_tokens_schedule_id"), ["schedule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncall_feed_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "schedule_layers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "rotation",
            sa.Enum("daily", "weekly", "custom", name="rotationkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("shift_length_hours", sa.Integer(), nullable=True),
        sa.Column("handoff_time", sa.Time(), nullable=False),
        sa.Column("handoff_weekday", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column(
            "restrictions",
            sa.JSON().with_variant(mysql.JSON(), "mariadb").with_variant(mysql.JSON(), "mysql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["oncall_schedules.id"],
            name=op.f("fk_schedule_layers_schedule_id_oncall_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_layers")),
    )
    with op.batch_alter_table("schedule_layers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_layers_schedule_id"), ["schedule_id"], unique=False)

    op.create_table(
        "schedule_overrides",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind", sa.Enum("override", "swap", name="overridekind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("swap_of_user_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_schedule_overrides_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_schedule_overrides_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["oncall_schedules.id"],
            name=op.f("fk_schedule_overrides_schedule_id_oncall_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["swap_of_user_id"],
            ["users.id"],
            name=op.f("fk_schedule_overrides_swap_of_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_schedule_overrides_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_overrides")),
    )
    with op.batch_alter_table("schedule_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_overrides_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_schedule_overrides_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_schedule_overrides_window", ["schedule_id", "ends_at"], unique=False)

    op.create_table(
        "escalation_targets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tier_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("user", "team", "schedule", name="targetkind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("schedule_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN schedule_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_escalation_targets_one_reference"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["oncall_schedules.id"],
            name=op.f("fk_escalation_targets_schedule_id_oncall_schedules"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_escalation_targets_team_id_teams"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["escalation_tiers.id"],
            name=op.f("fk_escalation_targets_tier_id_escalation_tiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_escalation_targets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_targets")),
        sa.UniqueConstraint("tier_id", "position", name=op.f("uq_escalation_targets_tier_id_position")),
    )
    with op.batch_alter_table("escalation_targets", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_targets_schedule", ["schedule_id"], unique=False)
        batch_op.create_index("ix_escalation_targets_team", ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_targets_tier_id"), ["tier_id"], unique=False)
        batch_op.create_index("ix_escalation_targets_user", ["user_id"], unique=False)

    op.create_table(
        "layer_members",
        sa.Column("layer_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layer_id"],
            ["schedule_layers.id"],
            name=op.f("fk_layer_members_layer_id_schedule_layers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_layer_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("layer_id", "position", name=op.f("pk_layer_members")),
    )
    with op.batch_alter_table("layer_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_layer_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel", sa.Enum("in_app", name="notificationchannel", native_enum=False, length=32), nullable=False
        ),
        sa.Column(
            "status", sa.Enum("succeeded", "failed", name="attemptstatus", native_enum=False, length=32), nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_attempts_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempts")),
    )
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_attempts_notification_id"), ["notification_id"], unique=False)

    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_context", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("parked_at", sos.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_events_aggregate", ["aggregate_id", "published_at"], unique=False)
        batch_op.create_index("ix_outbox_events_lease", ["lease_until"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes; MariaDB refuses to drop an index a foreign key still needs.
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_lease")
        batch_op.drop_index("ix_outbox_events_aggregate")
        batch_op.drop_column("parked_at")
        batch_op.drop_column("trace_context")

    op.drop_table("notification_attempts")
    op.drop_table("layer_members")
    op.drop_table("escalation_targets")
    op.drop_table("schedule_overrides")
    op.drop_table("schedule_layers")
    op.drop_table("oncall_feed_tokens")
    op.drop_table("notifications")
    op.drop_table("escalation_tiers")
    op.drop_table("checkin_timers")
    op.drop_table("alert_escalations")
    op.drop_table("oncall_schedules")
    op.drop_table("escalation_policies")
    op.drop_table("alert_metric_events")
    op.drop_table("alert_response_metrics")
    op.drop_table("dead_letters")
