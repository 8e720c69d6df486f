"""The one clock and the one time type: aware UTC in and out on every database; a test clock
file moves the clock in tests and is refused in production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from peerlab.chassis import clock
from peerlab.chassis.clock import UTCDateTime, UTCInput
from peerlab.chassis.settings import ServiceSettings

PLUS_TWO = timezone(timedelta(hours=2))


@pytest.fixture
def table_engine(fresh_database_url):
    engine = create_engine(fresh_database_url("clock"))
    table = Table("stamps", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    table.metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def test_timestamps_come_back_aware_utc_on_every_database(table_engine):
    engine, table = table_engine
    at = datetime(2021, 9, 6, 23, 59, tzinfo=PLUS_TWO)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, at=at))
        conn.execute(insert(table).values(id=2, at=datetime(2021, 9, 6, 22, 0)))  # naive: taken as UTC
        rows = dict(conn.execute(select(table.c.id, table.c.at)).all())
        earlier = conn.execute(
            select(table.c.id).where(table.c.at < datetime(2021, 9, 6, 22, 30, tzinfo=UTC)).order_by(table.c.id)
        )
        assert [row.id for row in earlier] == [1, 2]  # compared as instants, not as text in two offsets
    assert rows[1] == at and rows[1].tzinfo == UTC and rows[1].hour == 21
    assert rows[2] == datetime(2021, 9, 6, 22, 0, tzinfo=UTC)


def test_request_times_must_carry_an_offset_and_become_utc():
    class Body(BaseModel):
        at: UTCInput

    assert Body(at="2021-09-06T23:59:00+02:00").at == datetime(2021, 9, 6, 21, 59, tzinfo=UTC)
    assert Body(at="2021-09-06T23:59:00+02:00").at.tzinfo == UTC
    with pytest.raises(ValidationError):
        Body(at="2021-09-06T23:59:00")


def test_a_test_clock_file_moves_the_clock(tmp_path):
    path = tmp_path / "clock"
    path.write_text(str(3600 * 24))
    try:
        clock.use_test_clock_file(str(path))
        assert clock.now() - datetime.now(UTC) > timedelta(hours=23)
        path.write_text("0")
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)
    finally:
        clock.use_test_clock_file(None)
    path.write_text(str(3600 * 24))
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)  # not in use: the wall clock


def test_production_refuses_a_test_clock():
    secret = "a-real-secret-from-the-vault-" + "x" * 20
    with pytest.raises(ValueError, match="TEST_CLOCK_FILE"):
        ServiceSettings(environment="production", jwt_secret=secret, test_clock_file="/any/file")
    assert ServiceSettings(environment="test", test_clock_file="/any/file").test_clock_file == "/any/file"
