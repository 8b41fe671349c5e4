"""recordsets by zone and status

Revision ID: 0004_recordsets_zone_status
Revises: 0003_target_states
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004_recordsets_zone_status"
down_revision = "0003_target_states"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_recordsets_zone_status", "recordsets", ["zone_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_recordsets_zone_status", table_name="recordsets")
