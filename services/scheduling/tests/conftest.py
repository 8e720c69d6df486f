import sys
from pathlib import Path

import pytest

# Tests run with --import-mode=importlib; make this folder's helper module importable.
sys.path.insert(0, str(Path(__file__).parent))

from scheduling_testkit import PACKAGE, SchedulingStack, make_stack


@pytest.fixture
def stack(fresh_database_url) -> SchedulingStack:
    """A migrated scheduling database (PostgreSQL when available), the consumer runner and a
    TestClient factory. No broker: a dead-lettered message would fail the test loudly."""
    with make_stack(fresh_database_url("scheduling", package=PACKAGE), migrated=True) as built:
        yield built
