"""Audit entries: staff decisions that bend a course rule (e.g. a lab passed without a hand-in).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 04:37:50.918408
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "review_audit_entry",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("lab_number", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_audit_entry_student", "review_audit_entry", ["student_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_review_audit_entry_student", table_name="review_audit_entry")
    op.drop_table("review_audit_entry")
