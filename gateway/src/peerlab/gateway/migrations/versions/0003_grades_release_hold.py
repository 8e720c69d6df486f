"""Webhook deliveries of grades held until the course's release: the release record serves webhooks
and LTI alike (gateway_lti_grades_release -> gateway_grades_release), deliveries know their course

Revision ID: 0003_grades_release_hold
Revises: gqlrealtime_0002_lti
Create Date: 2026-12-02 14:45:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0003_grades_release_hold"
down_revision: Union[str, None] = "gqlrealtime_0002_lti"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.rename_table("gateway_lti_grades_release", "gateway_grades_release")
    with op.batch_alter_table("gateway_webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_id", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gateway_webhook_delivery", schema=None) as batch_op:
        batch_op.drop_column("course_id")
    op.rename_table("gateway_grades_release", "gateway_lti_grades_release")
