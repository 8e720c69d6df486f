"""Alembic environment of the projects service."""

from sqlmodel import SQLModel

import peerlab.chassis.inbox  # registers inbox_entry
import peerlab.chassis.outbox  # registers outbox_event
import peerlab.projects.models  # noqa: F401 - registers the projects_* tables
from peerlab.chassis.migrations import run_env

run_env(SQLModel.metadata)
