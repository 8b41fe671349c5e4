"""indexes that keep per-change work independent of the zone's size

Revision ID: 0004_zone_indexes
Revises: 0003_target_states
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004_zone_indexes"
down_revision = "0003_target_states"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_recordsets_zone_status", "recordsets", ["zone_id", "status"])
    op.create_index("ix_records_zone_managed", "records", ["zone_id", "managed"])
    op.drop_index("ix_records_zone", table_name="records")


def downgrade() -> None:
    op.create_index("ix_records_zone", "records", ["zone_id"])
    op.drop_index("ix_records_zone_managed", table_name="records")
    op.drop_index("ix_recordsets_zone_status", table_name="recordsets")
