"""The login throttle's recent failures, kept in the database so that a restart does not forget them (security.md, V2).

Revision ID: 0003
Revises: 0002
Create Date: 2025-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=True),
        sa.Column("address", sa.String(255), nullable=True),
        sa.Column("at", sa.Float(), nullable=False),
    )
    for column in ("name", "address", "at"):
        op.create_index(f"ix_login_failures_{column}", "login_failures", [column])


def downgrade() -> None:
    for column in ("at", "address", "name"):
        op.drop_index(f"ix_login_failures_{column}", table_name="login_failures")
    op.drop_table("login_failures")
