"""Gateway replays: signed requests already admitted, shared by every gateway

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.runtime.store.columns import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_replays",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.String(length=128), nullable=False),
        sa.Column("signature_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_replays")),
        sa.UniqueConstraint(
            "shop_id",
            "signature_digest",
            name=op.f("uq_gateway_replays_shop_id_signature_digest"),
        ),
    )
    with op.batch_alter_table("gateway_replays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gateway_replays_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gateway_replays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gateway_replays_expires_at"))

    op.drop_table("gateway_replays")
