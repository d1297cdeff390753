"""Add the opaque keys of the activity feed

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_subjects",
        sa.Column("document_number", sa.String(length=32), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("document_number"),
        sa.UniqueConstraint("item_key"),
    )


def downgrade() -> None:
    op.drop_table("activity_subjects")
