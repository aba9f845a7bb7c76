"""Workers: delivery attempts, receipts, SLA clocks, timer leases and cancellation, feedback

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.runtime.store.columns import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.String(length=128), nullable=False),
        sa.Column("feedback_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.Column("scale", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("shop_id", "feedback_id", name=op.f("uq_feedback_shop_id_feedback_id")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_shop_id_customer_id", ["shop_id", "customer_id"], unique=False
        )

    op.create_table(
        "handled_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.Column("shop_id", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("handled_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handled_events")),
        sa.UniqueConstraint(
            "worker", "shop_id", "event_id", name=op.f("uq_handled_events_worker_shop_id_event_id")
        ),
    )
    op.create_table(
        "delivery_attempts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "notification_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_pk"],
            ["notifications.id"],
            name=op.f("fk_delivery_attempts_notification_pk_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempts_notification_pk"), ["notification_pk"], unique=False
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.String(length=128), nullable=True))
        batch_op.drop_index(batch_op.f("ix_notifications_status"))
        batch_op.create_index(
            "ix_notifications_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_agent_reply_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_customer_reply_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("first_reply_due_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reply_due_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("hard_due_at", UtcDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("escalation_level", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_tickets_reply_due_at"), ["reply_due_at"], unique=False)

    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("leased_until", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_column("leased_until")
        batch_op.drop_column("cancelled_at")

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_reply_due_at"))
        batch_op.drop_column("escalation_level")
        batch_op.drop_column("hard_due_at")
        batch_op.drop_column("reply_due_at")
        batch_op.drop_column("first_reply_due_at")
        batch_op.drop_column("last_customer_reply_at")
        batch_op.drop_column("last_agent_reply_at")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_status_next_attempt_at")
        batch_op.create_index(batch_op.f("ix_notifications_status"), ["status"], unique=False)
        batch_op.drop_column("customer_id")

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_notification_pk"))

    op.drop_table("delivery_attempts")
    op.drop_table("handled_events")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_shop_id_customer_id")

    op.drop_table("feedback")
