"""managed records: who manages each record the sink writes

Revision ID: 0002_managed_records
Revises: 0001
Create Date: 2026-11-30 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_managed_records"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("managed_plugin_name", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("managed_resource_type", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("managed_resource_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("managed_project_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("managed_port_id", sa.String(length=255), nullable=True))
        batch_op.create_index(
            "ix_records_managed_resource",
            ["managed_resource_type", "managed_resource_id"],
            unique=False,
        )
        batch_op.create_index("ix_records_managed_port", ["managed_port_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_managed_port")
        batch_op.drop_index("ix_records_managed_resource")
        batch_op.drop_column("managed_port_id")
        batch_op.drop_column("managed_project_id")
        batch_op.drop_column("managed_resource_id")
        batch_op.drop_column("managed_resource_type")
        batch_op.drop_column("managed_plugin_name")
