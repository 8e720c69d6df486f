"""one lab number per course

A partial unique index on ``(course_id, lab_number)`` for ``kind = 'lab'``; other kinds (a
resubmission names its lab's number too) are left out. The upgrade stops with the clashing ids if
a course already has two labs with one number: a teacher renumbers one (PUT) and upgrades again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:07:05.531284
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX = "uq_submissions_assignment_lab_number"
LABS_ONLY = "kind = 'lab'"


def upgrade() -> None:
    clashes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT course_id, lab_number FROM submissions_assignment WHERE kind = 'lab' AND lab_number IS NOT NULL "
                "GROUP BY course_id, lab_number HAVING COUNT(*) > 1"
            )
        )
        .all()
    )
    if clashes:
        raise RuntimeError(f"labs sharing a number (course, lab number): {clashes}; renumber them first")
    op.create_index(
        INDEX,
        "submissions_assignment",
        ["course_id", "lab_number"],
        unique=True,
        postgresql_where=sa.text(LABS_ONLY),
        sqlite_where=sa.text(LABS_ONLY),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="submissions_assignment")
