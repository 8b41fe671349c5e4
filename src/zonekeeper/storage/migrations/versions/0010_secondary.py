"""secondary zones: the refresh timer, the last contact with a master, and why a transfer failed

Revision ID: 0010_secondary
Revises: 0009_zone_lifecycle
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_secondary"
down_revision = "0009_zone_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_transfer_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("refreshed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("transfer_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("transfer_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("transfer_error", sa.Text(), nullable=True))
        batch_op.create_index("ix_zones_next_transfer", ["next_transfer_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.drop_index("ix_zones_next_transfer")
        batch_op.drop_column("transfer_error")
        batch_op.drop_column("transfer_reason")
        batch_op.drop_column("transfer_status")
        batch_op.drop_column("refreshed_at")
        batch_op.drop_column("next_transfer_at")
