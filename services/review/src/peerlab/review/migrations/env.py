"""Alembic environment of the review service."""

from sqlmodel import SQLModel

import peerlab.chassis.inbox  # registers inbox_entry
import peerlab.chassis.outbox  # registers outbox_event
import peerlab.review.models  # noqa: F401 - registers the review_* tables
from peerlab.chassis.migrations import run_env

run_env(SQLModel.metadata)
