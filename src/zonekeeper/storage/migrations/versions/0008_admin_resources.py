"""Designate's admin resources: TLDs, blacklists and TSIG keys; a pool's project_id

Revision ID: 0008_admin_resources
Revises: 0007_api_tokens (0005_managed_revision before keystone-auth was merged in)
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_admin_resources"
down_revision = "0007_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tlds",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.String(160), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tlds"),
        sa.UniqueConstraint("name", name="uq_tlds_name"),
    )
    op.create_table(
        "blacklists",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("pattern", sa.String(255), nullable=False),
        sa.Column("description", sa.String(160), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_blacklists"),
        sa.UniqueConstraint("pattern", name="uq_blacklists_pattern"),
    )
    op.create_table(
        "tsigkeys",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("algorithm", sa.String(32), nullable=False),
        sa.Column("secret", sa.String(160), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("resource_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tsigkeys"),
        sa.UniqueConstraint("name", name="uq_tsigkeys_name"),
    )
    op.create_index("ix_tsigkeys_resource_id", "tsigkeys", ["resource_id"])
    with op.batch_alter_table("pools") as batch:
        batch.add_column(sa.Column("project_id", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pools") as batch:
        batch.drop_column("project_id")
    op.drop_index("ix_tsigkeys_resource_id", table_name="tsigkeys")
    op.drop_table("tsigkeys")
    op.drop_table("blacklists")
    op.drop_table("tlds")
