"""zones remember a hard delete (X-Designate-Hard-Delete) for the worker

Revision ID: 0017_hard_delete
Revises: 0015_trace
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_hard_delete"
down_revision = "0015_trace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zones") as batch:
        batch.add_column(
            sa.Column("hard_delete", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("zones") as batch:
        batch.drop_column("hard_delete")
