"""one trace per change: the API request id on the zone and on each journal entry, and
when each nameserver was first seen serving the zone's serial

Revision ID: 0015_trace
Revises: 0014_scale_list_indexes
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_trace"
down_revision = "0014_scale_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zones") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("zone_changes") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("nameserver_states") as batch:
        batch.add_column(sa.Column("served_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nameserver_states") as batch:
        batch.drop_column("served_at")
    with op.batch_alter_table("zone_changes") as batch:
        batch.drop_column("request_id")
    with op.batch_alter_table("zones") as batch:
        batch.drop_column("request_id")
