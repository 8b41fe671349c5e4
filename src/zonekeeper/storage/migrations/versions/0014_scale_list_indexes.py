"""indexes that keep list pages cheap at 100,000 zones and millions of recordsets

Revision ID: 0014_scale_list_indexes
Revises: 0011_pool_move
Create Date: 2026-12-03
"""

from alembic import op

revision = "0014_scale_list_indexes"
down_revision = "0011_pool_move"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # GET /v2/recordsets as a project: its page in the default order, and its count, without
    # reading every project's recordsets.
    op.create_index(
        "ix_recordsets_project_created", "recordsets", ["project_id", "created_at", "id"]
    )
    # The same lists with all-projects: the first page in the default order without a sort
    # of the whole table.
    op.create_index("ix_recordsets_created", "recordsets", ["created_at", "id"])
    op.create_index("ix_zones_created", "zones", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_zones_created", table_name="zones")
    op.drop_index("ix_recordsets_created", table_name="recordsets")
    op.drop_index("ix_recordsets_project_created", table_name="recordsets")
