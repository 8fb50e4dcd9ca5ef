"""On-site verifications: a filled 核查表 uploaded for a filing and the check with its verified figures (follow-up.md §3).

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("filings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("form", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("figures", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("standard", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("uploaded_at", sa.String(32), nullable=False),
        sa.Column("uploaded_by", sa.String(80), nullable=False),
    )
    op.create_index("ix_verifications_filing_id", "verifications", ["filing_id"])


def downgrade() -> None:
    op.drop_index("ix_verifications_filing_id", table_name="verifications")
    op.drop_table("verifications")
