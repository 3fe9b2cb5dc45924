"""Notifications over every channel: contact methods, rule steps, quiet hours, provider accounts, delivery attempts
with provider details, due times, leases and claims, and acknowledgement tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 02:11:00.760173
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sos.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "install_keys",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("public", sa.String(length=200), nullable=False),
        sa.Column("private", sa.Text(), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_install_keys")),
    )
    op.create_table(
        "contact_methods",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "in_app",
                "email",
                "sms",
                "voice",
                "web_push",
                "fcm",
                "apns",
                "slack",
                "teams",
                "mattermost",
                name="notificationchannel",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verification_code_hash", sa.String(length=64), nullable=True),
        sa.Column("verification_expires_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verification_tries", sa.Integer(), nullable=False),
        sa.Column("opted_out_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_contact_methods_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_contact_methods_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_methods")),
        sa.UniqueConstraint(
            "organization_id",
            "user_id",
            "channel",
            "address_key",
            name=op.f("uq_contact_methods_organization_id_user_id_channel_address_key"),
        ),
    )
    with op.batch_alter_table("contact_methods", schema=None) as batch_op:
        batch_op.create_index("ix_contact_methods_inbound", ["channel", "address_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_methods_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_notification_preferences_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "organization_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "notification_providers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("rate_limit_per_second", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_notification_providers_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_providers")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_notification_providers_organization_id_name")),
    )
    with op.batch_alter_table("notification_providers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_providers_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "notification_rule_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "urgency", sa.Enum("default", "critical", name="urgency", native_enum=False, length=32), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("contact_method_id", sa.Uuid(), nullable=False),
        sa.Column("delay_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_method_id"],
            ["contact_methods.id"],
            name=op.f("fk_notification_rule_steps_contact_method_id_contact_methods"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_notification_rule_steps_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_rule_steps_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_rule_steps")),
        sa.UniqueConstraint(
            "user_id",
            "organization_id",
            "urgency",
            "position",
            name=op.f("uq_notification_rule_steps_user_id_organization_id_urgency_position"),
        ),
    )
    with op.batch_alter_table("notification_rule_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_rule_steps_contact_method_id"), ["contact_method_id"], unique=False
        )

    op.create_table(
        "ack_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("created_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sos.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", sos.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_via", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_ack_tokens_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_ack_tokens_notification_id_notifications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_ack_tokens_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ack_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ack_tokens")),
        sa.UniqueConstraint("organization_id", "code", name=op.f("uq_ack_tokens_organization_id_code")),
    )
    with op.batch_alter_table("ack_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ack_tokens_alert_id"), ["alert_id"], unique=False)

    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("provider_kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("provider_message_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("error_code", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("permanent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sos.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("receipt", sa.JSON(), nullable=True))
        batch_op.create_index("ix_notification_attempts_message", ["provider_id", "provider_message_id"], unique=False)
        batch_op.create_index("ix_notification_attempts_provider", ["provider_id", "started_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_attempts_provider_id_notification_providers"),
            "notification_providers",
            ["provider_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "purpose",
                sa.Enum("page", "verification", "test", name="notificationpurpose", native_enum=False, length=32),
                nullable=False,
                server_default="page",
            )
        )
        batch_op.add_column(
            sa.Column(
                "urgency",
                sa.Enum("default", "critical", name="urgency", native_enum=False, length=32),
                nullable=False,
                server_default="default",
            )
        )
        batch_op.add_column(sa.Column("contact_method_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("step", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("rounds", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("due_at", sos.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sos.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claim_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("bundle_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sos.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        batch_op.alter_column("enqueued_at", existing_type=sos.core.db.UTCDateTime(timezone=True), nullable=True)
        batch_op.create_index(batch_op.f("ix_notifications_bundle_id"), ["bundle_id"], unique=False)
        batch_op.create_index("ix_notifications_contact", ["contact_method_id", "status"], unique=False)
        batch_op.create_index("ix_notifications_due", ["status", "due_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_contact_method_id_contact_methods"),
            "contact_methods",
            ["contact_method_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.execute("UPDATE notifications SET due_at = created_at")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("due_at", existing_type=sos.core.db.UTCDateTime(timezone=True), nullable=False)


def downgrade() -> None:
    op.execute("UPDATE notifications SET enqueued_at = created_at WHERE enqueued_at IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_contact_method_id_contact_methods"), type_="foreignkey")
        batch_op.drop_index("ix_notifications_due")
        batch_op.drop_index("ix_notifications_contact")
        batch_op.drop_index(batch_op.f("ix_notifications_bundle_id"))
        batch_op.alter_column("enqueued_at", existing_type=sos.core.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.drop_column("last_error")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("bundle_id")
        batch_op.drop_column("claim_id")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("due_at")
        batch_op.drop_column("rounds")
        batch_op.drop_column("step")
        batch_op.drop_column("contact_method_id")
        batch_op.drop_column("urgency")
        batch_op.drop_column("purpose")

    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notification_attempts_provider_id_notification_providers"), type_="foreignkey"
        )
        batch_op.drop_index("ix_notification_attempts_provider")
        batch_op.drop_index("ix_notification_attempts_message")
        batch_op.drop_column("receipt")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("duration_ms")
        batch_op.drop_column("permanent")
        batch_op.drop_column("error_code")
        batch_op.drop_column("provider_message_id")
        batch_op.drop_column("provider_kind")
        batch_op.drop_column("provider_id")

    op.drop_table("ack_tokens")
    op.drop_table("notification_rule_steps")
    op.drop_table("notification_providers")
    op.drop_table("notification_preferences")
    op.drop_table("contact_methods")
    op.drop_table("install_keys")
