"""Alembic environment of the submissions service."""

from sqlmodel import SQLModel

import peerlab.chassis.inbox  # registers inbox_entry
import peerlab.chassis.outbox  # registers outbox_event
import peerlab.submissions.models  # noqa: F401 - registers the service's tables
from peerlab.chassis.migrations import run_env

run_env(SQLModel.metadata)
