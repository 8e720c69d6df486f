"""per-assignment close grace

``submissions_assignment.close_grace_s`` (nullable): seconds after the deadline until the assignment
closes; NULL keeps the service's ``close_grace_s`` setting, so existing assignments are unchanged.

Revision ID: 0004_close_grace (distinct from other branches' 0004; re-chain onto the head on merge)
Revises: 0004_supervisors
Create Date: 2026-12-02 05:40:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0004_close_grace"
down_revision: Union[str, None] = "0004_supervisors"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("submissions_assignment") as batch:
        batch.add_column(sa.Column("close_grace_s", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions_assignment") as batch:
        batch.drop_column("close_grace_s")
