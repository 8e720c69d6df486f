"""Alembic environment of the scheduling service."""

from sqlmodel import SQLModel

import peerlab.chassis.inbox  # registers inbox_entry
import peerlab.chassis.outbox  # registers outbox_event
import peerlab.scheduling.models  # registers the scheduling_* tables
import peerlab.scheduling.exam_models  # noqa: F401 - examiners, visit plans, grades
from peerlab.chassis.migrations import run_env

run_env(SQLModel.metadata)
