"""Alembic environment of the gateway's database."""

from sqlmodel import SQLModel

import peerlab.chassis.inbox  # noqa: F401 - tables in the metadata
import peerlab.chassis.outbox  # noqa: F401
import peerlab.gateway.models  # noqa: F401
import peerlab.gateway.lti.models  # noqa: F401
from peerlab.chassis.migrations import run_env

run_env(SQLModel.metadata)
