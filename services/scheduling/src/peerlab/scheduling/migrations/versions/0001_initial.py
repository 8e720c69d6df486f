"""Initial schema of the scheduling service: term, rooms, exam days, slots, bookings, print quota, group projection, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 10:59:09.446749
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
        "scheduling_booking",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("booking_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("slot_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("booked_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "group_id"),
        sa.UniqueConstraint("booking_id"),
    )
    with op.batch_alter_table("scheduling_booking", schema=None) as batch_op:
        batch_op.create_index("ix_scheduling_booking_slot", ["slot_id"], unique=False)

    op.create_table(
        "scheduling_exam_day",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("exam_day_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("time_zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("slot_capacity", sa.Integer(), nullable=False),
        sa.Column("booking_opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booking_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "exam_day_id"),
    )
    op.create_table(
        "scheduling_group",
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("group_id"),
    )
    with op.batch_alter_table("scheduling_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduling_group_course_id"), ["course_id"], unique=False)

    op.create_table(
        "scheduling_group_member",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("person_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "person_id"),
    )
    with op.batch_alter_table("scheduling_group_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduling_group_member_group_id"), ["group_id"], unique=False)

    op.create_table(
        "scheduling_print_counter",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("course_id"),
    )
    op.create_table(
        "scheduling_print_request",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "group_id"),
    )
    op.create_table(
        "scheduling_room",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("room_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("slack_channel", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("zoom_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "room_id"),
    )
    op.create_table(
        "scheduling_slot",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("slot_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("exam_day_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "slot_id"),
        sa.UniqueConstraint("course_id", "exam_day_id", "starts_at", name="uq_scheduling_slot_start"),
    )
    op.create_table(
        "scheduling_term",
        sa.Column("course_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("first_monday", sa.Date(), nullable=False),
        sa.Column("counted_weeks", sa.Integer(), nullable=False),
        sa.Column("lab_weeks", sa.Integer(), nullable=False),
        sa.Column("time_zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sessions", sa.JSON(), nullable=False),
        sa.Column("breaks", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id"),
    )


def downgrade() -> None:
    op.drop_table("scheduling_term")
    op.drop_table("scheduling_slot")
    op.drop_table("scheduling_room")
    op.drop_table("scheduling_print_request")
    op.drop_table("scheduling_print_counter")
    with op.batch_alter_table("scheduling_group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduling_group_member_group_id"))

    op.drop_table("scheduling_group_member")
    with op.batch_alter_table("scheduling_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduling_group_course_id"))

    op.drop_table("scheduling_group")
    op.drop_table("scheduling_exam_day")
    with op.batch_alter_table("scheduling_booking", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduling_booking_slot")

    op.drop_table("scheduling_booking")
    drop_outbox_and_inbox()
