"""Wake the relay at commit: PostgreSQL ``LISTEN`` on the channel the outbox ``NOTIFY``s.

A transaction that wrote outbox rows sends ``NOTIFY peerlab_outbox`` (``outbox.flush_outbox``);
PostgreSQL delivers it when that transaction commits. The relay waits on this listener when it has
nothing to send, so an event leaves about a round trip after its commit instead of after the
relay's next poll. The poll stays as the fallback (a lost connection, rows written without the
NOTIFY) and is the only mechanism on SQLite.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.engine import Engine

from peerlab.chassis.outbox import NOTIFY_CHANNEL

log = logging.getLogger("peerlab.relay")

# How long one wait blocks before it looks at the stop flag again.
_SLICE_S = 0.25
# After a failed connection, how long the relay only polls before trying to listen again.
_RETRY_S = 5.0


class OutboxListener:
    """One connection of its own (taken from the engine and detached from its pool), autocommit,
    listening on the outbox channel."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn = None  # a psycopg Connection
        self._retry_at = 0.0

    def start(self) -> bool:
        """Listen now (True), or poll until a later wait manages to."""
        return self._connect()

    def _connect(self) -> bool:
        if self._conn is not None:
            return True
        if time.monotonic() < self._retry_at:
            return False
        try:
            proxied = self.engine.raw_connection()
            proxied.detach()  # ours for good: not returned to the pool, not counted in it
            conn = proxied.dbapi_connection
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except Exception as exc:  # noqa: BLE001 - the database may be down; the poll carries on
            log.info("relay: cannot listen for outbox commits (%s); polling", exc)
            self._retry_at = time.monotonic() + _RETRY_S
            return False
        self._conn = conn
        return True

    def wait(self, timeout_s: float, stop: threading.Event) -> bool:
        """Block until a commit wrote outbox rows (True), ``timeout_s`` passed or ``stop`` was set
        (False). Without a listening connection it returns False at once: the caller polls."""
        if not self._connect():
            return False
        deadline = time.monotonic() + timeout_s
        try:
            while not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                # Consumed whole (the generator holds the connection's lock until it ends).
                if list(self._conn.notifies(timeout=min(_SLICE_S, left), stop_after=1)):
                    self._drain()
                    return True
        except Exception as exc:  # noqa: BLE001 - a lost connection: poll, listen again later
            log.info("relay: outbox listener lost (%s); polling", exc)
            self.close()
            self._retry_at = time.monotonic() + _RETRY_S
        return False

    def _drain(self) -> None:
        """Notifications that arrived together: one claim serves them all."""
        list(self._conn.notifies(timeout=0))

    @property
    def listening(self) -> bool:
        return self._conn is not None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail
                pass
            self._conn = None
