"""Initial schema of the review service: projections, rounds, allocations, reviews, verdicts, eligibility, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 10:52:53.240525
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
        "review_allocation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reviewer_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reviewee_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("task_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("replaces_allocation_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "reviewer_id", "submission_id", name="uq_review_allocation_pair"),
        sa.UniqueConstraint("task_token"),
    )
    with op.batch_alter_table("review_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_allocation_reviewer_id"), ["reviewer_id"], unique=False)
        batch_op.create_index("ix_review_allocation_round_status", ["round_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_allocation_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "review_allocation_run",
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("triggered_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("submitters", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "run_no"),
    )
    op.create_table(
        "review_assignment",
        sa.Column("assignment_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("lab_number", sa.Integer(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("owner_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id"),
    )
    with op.batch_alter_table("review_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_assignment_lab_number"), ["lab_number"], unique=False)

    op.create_table(
        "review_eligibility",
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("labs_passed", sa.Integer(), nullable=False),
        sa.Column("labs_open", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id"),
    )
    op.create_table(
        "review_exclusion_member",
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_label", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "student_id"),
    )
    op.create_table(
        "review_flag",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("allocation_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("review_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("flagged_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("review_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_flag_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_flag_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "review_reaction",
        sa.Column("review_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("helpfulness", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("review_id"),
    )
    op.create_table(
        "review_review",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("allocation_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reviewer_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reviewee_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rubric_version", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("allocation_id"),
    )
    with op.batch_alter_table("review_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_review_reviewee_id"), ["reviewee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_review_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_review_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "review_round",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("assignment_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("lab_number", sa.Integer(), nullable=True),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("review_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("peer_grading_required", sa.Boolean(), nullable=False),
        sa.Column("rubric_version", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("failure_reason_code", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id"),
    )
    with op.batch_alter_table("review_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_round_lab_number"), ["lab_number"], unique=False)

    op.create_table(
        "review_rubric",
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "version"),
    )
    op.create_table(
        "review_student",
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("programme", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id"),
    )
    op.create_table(
        "review_submission",
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("assignment_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("assignment_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("lab_number", sa.Integer(), nullable=True),
        sa.Column("owner_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_from_review", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    with op.batch_alter_table("review_submission", schema=None) as batch_op:
        batch_op.create_index("ix_review_submission_assignment_owner", ["assignment_id", "owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_submission_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "review_teacher_item",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("lab_number", sa.Integer(), nullable=True),
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("review_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("review_teacher_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_teacher_item_kind"), ["kind"], unique=False)

    op.create_table(
        "review_verdict",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("lab_number", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("review_verdict", schema=None) as batch_op:
        batch_op.create_index("ix_review_verdict_student_lab", ["student_id", "lab_number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_verdict", schema=None) as batch_op:
        batch_op.drop_index("ix_review_verdict_student_lab")

    op.drop_table("review_verdict")
    with op.batch_alter_table("review_teacher_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_teacher_item_kind"))

    op.drop_table("review_teacher_item")
    with op.batch_alter_table("review_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_submission_owner_id"))
        batch_op.drop_index("ix_review_submission_assignment_owner")

    op.drop_table("review_submission")
    op.drop_table("review_student")
    op.drop_table("review_rubric")
    with op.batch_alter_table("review_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_round_lab_number"))

    op.drop_table("review_round")
    with op.batch_alter_table("review_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_review_submission_id"))
        batch_op.drop_index(batch_op.f("ix_review_review_round_id"))
        batch_op.drop_index(batch_op.f("ix_review_review_reviewee_id"))

    op.drop_table("review_review")
    op.drop_table("review_reaction")
    with op.batch_alter_table("review_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_flag_submission_id"))
        batch_op.drop_index(batch_op.f("ix_review_flag_round_id"))

    op.drop_table("review_flag")
    op.drop_table("review_exclusion_member")
    op.drop_table("review_eligibility")
    with op.batch_alter_table("review_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_assignment_lab_number"))

    op.drop_table("review_assignment")
    op.drop_table("review_allocation_run")
    with op.batch_alter_table("review_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_allocation_submission_id"))
        batch_op.drop_index("ix_review_allocation_round_status")
        batch_op.drop_index(batch_op.f("ix_review_allocation_reviewer_id"))

    op.drop_table("review_allocation")
    drop_outbox_and_inbox()
