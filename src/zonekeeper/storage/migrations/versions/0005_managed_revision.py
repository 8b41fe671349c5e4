"""managed records remember the revision of their resource

Revision ID: 0005_managed_revision
Revises: 0004_zone_indexes
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_managed_revision"
down_revision = "0004_zone_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("managed_revision", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("managed_revision")
