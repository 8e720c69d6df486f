"""A published visit plan knows it went stale (bookings or availability changed after it); a slot
counts the changes of its places (the revision booking events carry).

Revision ID: 0005_plan_staleness
Revises: 0003_calendar_feeds
Create Date: 2026-12-02 14:40:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0005_plan_staleness"
down_revision: Union[str, None] = "0003_calendar_feeds"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("scheduling_visit_plan") as batch:
        batch.add_column(sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("stale_reasons", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("scheduling_slot") as batch:
        batch.add_column(sa.Column("places_revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("scheduling_slot") as batch:
        batch.drop_column("places_revision")
    with op.batch_alter_table("scheduling_visit_plan") as batch:
        batch.drop_column("stale_reasons")
        batch.drop_column("stale_since")
