"""Alembic environment of the gateway's database."""

from sqlmodel import SQLModel

import peerlab.chassis.inbox  # registers inbox_entry
import peerlab.chassis.outbox  # registers outbox_event
import peerlab.gateway.models
import peerlab.gateway.lti.models  # noqa: F401 - registers the LTI tables
from peerlab.chassis.migrations import run_env

run_env(SQLModel.metadata)
