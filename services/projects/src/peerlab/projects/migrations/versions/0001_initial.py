"""Initial schema of the projects service: catalogue, people and eligibility, groups, memberships, selections, assignments, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 11:09:15.506328
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from peerlab.chassis.migrations import create_outbox_and_inbox, drop_outbox_and_inbox


revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_outbox_and_inbox()

    op.create_table(
        "projects_assignment",
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subproject", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("assigned_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("group_id"),
    )
    with op.batch_alter_table("projects_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_assignment_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_assignment_project_id"), ["project_id"], unique=False)

    op.create_table(
        "projects_group",
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("join_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("exemption_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("formed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("group_id"),
        sa.UniqueConstraint("join_code"),
    )
    with op.batch_alter_table("projects_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_group_course_id"), ["course_id"], unique=False)

    op.create_table(
        "projects_membership",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "person_id"),
    )
    with op.batch_alter_table("projects_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_membership_group_id"), ["group_id"], unique=False)

    op.create_table(
        "projects_person",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("programme", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("eligibility", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("eligibility_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "person_id"),
    )
    op.create_table(
        "projects_project",
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=True),
        sa.Column("slack_channel", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("own_project", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id"),
        sa.UniqueConstraint("year", "number", name="uq_projects_project_year_number"),
    )
    with op.batch_alter_table("projects_project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_project_year"), ["year"], unique=False)

    op.create_table(
        "projects_selection",
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("group_id"),
    )
    with op.batch_alter_table("projects_selection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_selection_course_id"), ["course_id"], unique=False)

    op.create_table(
        "projects_subproject",
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("letter", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "letter"),
    )
    op.create_table(
        "projects_supervisor",
        sa.Column("project_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("project_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("projects_supervisor")
    op.drop_table("projects_subproject")
    with op.batch_alter_table("projects_selection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_selection_course_id"))

    op.drop_table("projects_selection")
    with op.batch_alter_table("projects_project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_project_year"))

    op.drop_table("projects_project")
    op.drop_table("projects_person")
    with op.batch_alter_table("projects_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_membership_group_id"))

    op.drop_table("projects_membership")
    with op.batch_alter_table("projects_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_group_course_id"))

    op.drop_table("projects_group")
    with op.batch_alter_table("projects_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_assignment_project_id"))
        batch_op.drop_index(batch_op.f("ix_projects_assignment_course_id"))

    op.drop_table("projects_assignment")
    drop_outbox_and_inbox()
