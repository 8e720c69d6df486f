"""Seed steps that make the dev course usable at once (registered after the course's own steps):
the dev admin on the roster, so the printed admin token's subject is a person of the course.
"""

from __future__ import annotations

import logging

from peerlab.local.seed import seed_step
from peerlab.local.seed_client import SeedClient, with_service

log = logging.getLogger("peerlab.local.seed")

DEV_ADMIN = ("dev-admin", {"name": "Dev Admin", "email": "dev-admin@example.org", "roles": ["admin", "teacher"],
                           "programme": None})


@seed_step
def seed_dev_admin(urls: dict[str, str], token: str) -> None:
    """The person behind the printed admin token (PUT by id, so a second run changes nothing)."""
    def work(gateway: SeedClient) -> None:
        gateway.put(f"/v1/roster/{DEV_ADMIN[0]}", DEV_ADMIN[1])
        log.info("roster: dev admin")

    with_service(urls, token, "gateway", "seed_dev_admin", work)
