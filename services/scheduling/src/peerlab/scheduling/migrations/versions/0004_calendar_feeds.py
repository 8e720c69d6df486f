"""per-person secret calendar feeds

Revision ID: 0003_calendar_feeds (distinct from other branches' 0003; re-chain onto the head on merge)
Revises: 0003_calendar_dates
Create Date: 2026-12-02 05:50:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0003_calendar_feeds"
down_revision: Union[str, None] = "0003_calendar_dates"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "scheduling_calendar_feed",
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "person_id"),
        sa.UniqueConstraint("secret_sha256"),
    )


def downgrade() -> None:
    op.drop_table("scheduling_calendar_feed")
