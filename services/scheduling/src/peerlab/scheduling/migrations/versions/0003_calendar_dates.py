"""The calendar's dated rules: term deadline time and report day, dates revision, published dates, audit of moves.

Revision ID: 0003_calendar_dates
Revises: 0002
Create Date: 2026-12-02 05:00:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0003_calendar_dates"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "scheduling_dated_rule",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "key"),
    )
    op.create_table(
        "scheduling_date_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("old_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_scheduling_date_change_course", "scheduling_date_change", ["course_id", "changed_at"], unique=False
    )
    with op.batch_alter_table("scheduling_term") as batch:
        batch.add_column(
            sa.Column(
                "deadline_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False, server_default="23:59"
            )
        )
        batch.add_column(sa.Column("report_due_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("dates_revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("scheduling_term") as batch:
        batch.drop_column("dates_revision")
        batch.drop_column("report_due_on")
        batch.drop_column("deadline_time")
    op.drop_index("ix_scheduling_date_change_course", table_name="scheduling_date_change")
    op.drop_table("scheduling_date_change")
    op.drop_table("scheduling_dated_rule")
