"""litigation_series: agents' decisions on series (confirm, rename, merge, split, exclude), append-only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the decisions table of the litigation_series service."""
    op.create_table(
        "litigation_series_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_email", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("series_id", sa.String(length=120), nullable=False),
        sa.Column("target_series_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_litigation_series_decisions_at"), "litigation_series_decisions", ["at"], unique=False)
    op.create_index(
        op.f("ix_litigation_series_decisions_series_id"), "litigation_series_decisions", ["series_id"], unique=False
    )


def downgrade() -> None:
    """Drop the decisions table."""
    op.drop_index(op.f("ix_litigation_series_decisions_series_id"), table_name="litigation_series_decisions")
    op.drop_index(op.f("ix_litigation_series_decisions_at"), table_name="litigation_series_decisions")
    op.drop_table("litigation_series_decisions")
