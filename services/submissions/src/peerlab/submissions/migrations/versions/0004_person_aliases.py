"""person aliases (names and e-mails masked in anonymised copies) and review copies (which
identities a stored copy masks)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:00:00.000000
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "submissions_person_alias",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("alias", sa.String(length=320), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "alias"),
    )
    op.create_table(
        "submissions_review_copy",
        sa.Column("copy_key", sa.String(length=200), nullable=False),
        sa.Column("identities_digest", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("copy_key"),
    )


def downgrade() -> None:
    op.drop_table("submissions_review_copy")
    op.drop_table("submissions_person_alias")
