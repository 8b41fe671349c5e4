"""zones remember the pool they are moving away from

Revision ID: 0011_pool_move
Revises: 0010_secondary
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_pool_move"
down_revision = "0010_secondary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zones") as batch:
        batch.add_column(sa.Column("moving_from_pool_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("zones") as batch:
        batch.drop_column("moving_from_pool_id")
