"""Database engine and sessions: PostgreSQL (psycopg 3) or SQLite, one commit per request/handler.

Service functions receive a session and never commit; the request dependency or the event
handler's unit of work commits once, so a state change and its outbox row land together.
"""

from __future__ import annotations

import select
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from peerlab.chassis.settings import ServiceSettings


SQLITE_BUSY_TIMEOUT_S = 30


def _normalise_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(settings: ServiceSettings, *, pool_size: int | None = None, max_overflow: int | None = None) -> Engine:
    """The service's engine; ``pool_size``/``max_overflow`` override the settings (the relay's own
    small engine). A saturated pool waits ``database_pool_timeout_s`` and then raises, which the
    problem handlers answer with 503 ``database_busy``."""
    url = _normalise_url(settings.database_url)
    pool = {
        "pool_size": settings.database_pool_size if pool_size is None else pool_size,
        "max_overflow": settings.database_max_overflow if max_overflow is None else max_overflow,
        "pool_timeout": settings.database_pool_timeout_s,
    }
    if url.startswith("sqlite"):
        in_memory = ":memory:" in url or "mode=memory" in url or url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:")
        engine = create_engine(
            url,
            echo=settings.database_echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            # Transactions queue for SQLite's one write lock (BEGIN IMMEDIATE): a connection
            # may be held that long, so the pool waits at least as long as the lock does.
            **({} if in_memory else {**pool, "pool_timeout": max(pool["pool_timeout"], SQLITE_BUSY_TIMEOUT_S)}),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate if settings.sqlite_begin_immediate else _sqlite_begin)
        return engine
    engine = create_engine(
        url,
        echo=settings.database_echo,
        connect_args={"connect_timeout": 5},
        **pool,
    )
    event.listen(engine, "checkout", _idle_socket_check)
    return engine


def _idle_socket_check(dbapi_connection, _record, _proxy) -> None:
    """A pooled connection is checked without a round trip (``pool_pre_ping`` cost a ``SELECT 1``
    per request): an idle connection's socket has nothing to read unless the server closed it or
    sent its termination notice (a restart, ``pg_terminate_backend``). Then the pool drops it and
    checks out another (SQLAlchemy retries on ``DisconnectionError``)."""
    if dbapi_connection.closed:
        raise exc.DisconnectionError("connection closed")
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as error:
        raise exc.DisconnectionError(str(error)) from error
    if readable:
        raise exc.DisconnectionError("the server closed the connection or sent a notice while it was idle")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling off: SQLAlchemy's "begin" event issues BEGIN
    # (IMMEDIATE), which also makes SAVEPOINTs behave.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    """Take SQLite's write lock when the transaction begins, not at its first write.

    A deferred transaction that read first and then writes after another writer committed fails
    at once with "database is locked" (SQLITE_BUSY_SNAPSHOT: the busy timeout does not apply);
    an immediate one waits for the lock (busy_timeout) and so writers queue. The price: every
    transaction of the service (reads too) takes its turn, across its processes; fine for SQLite's
    use here (dev and tests), where PostgreSQL's row locks are not available anyway.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: the request's single unit of work.

    Used with ``scope="function"`` so the commit happens before the response is sent: a client
    never sees 200 for a hand-in whose commit then failed.

    Why it is async: FastAPI validates a sync endpoint's response in the thread pool *after* the
    endpoint returned and *before* this dependency exits, so the session's connection is held
    while the request waits for a thread. With threads and connections both scarce, requests
    holding threads waited for connections held by requests waiting for threads, until the pool
    timed out (the 500s of a booking rush). So the number of open request sessions is bounded
    here, by ``app.state.session_limiter`` (``database_pool_size``), and a request waits for its
    turn in the event loop, holding neither a thread nor a connection; commit, rollback and close
    run in threads of their own. The pool's overflow is headroom for everything else (health
    checks, units of work a route opens itself).
    """
    state = request.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "session_limiter", None)
    async with limiter if limiter is not None else _no_limit():
        session = Session(state.engine, expire_on_commit=False)
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):
                await _in_thread(_rollback_and_close, session, _finish_limiter(state))
            raise
        # Commit and close in one trip to a thread (each trip costs more CPU than a read's query);
        # a session that never touched the database finishes without one.
        if session.in_transaction():
            with anyio.CancelScope(shield=True):
                await _in_thread(_commit_and_close, session, _finish_limiter(state))
        else:
            session.close()


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        _rollback_and_close(session)
        raise
    session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


def _finish_limiter(state) -> anyio.CapacityLimiter:
    """A private limiter: finishing a session never queues behind requests waiting for threads
    (one per app, as many tokens as open sessions may finish at once)."""
    limiter = getattr(state, "finish_limiter", None)
    if limiter is None:
        limiter = state.finish_limiter = anyio.CapacityLimiter(1_000_000)
    return limiter


async def _in_thread(fn, session: Session, limiter: anyio.CapacityLimiter) -> None:
    await anyio.to_thread.run_sync(fn, session, limiter=limiter)


@asynccontextmanager
async def _no_limit() -> AsyncIterator[None]:
    yield


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
