"""One pydantic model per event type; ``EVENT_MODELS`` maps a type name to its model."""

from peerlab.contracts.envelope import EventData
from peerlab.contracts.events import grades, projects, review, roster, scheduling, submissions, term

_MODULES = (submissions, review, roster, projects, scheduling, grades, term)

EVENT_MODELS: dict[str, type[EventData]] = {
    obj.TYPE: obj
    for module in _MODULES
    for obj in vars(module).values()
    if isinstance(obj, type) and issubclass(obj, EventData) and obj is not EventData
}

__all__ = ["EVENT_MODELS", "grades", "projects", "review", "roster", "scheduling", "submissions", "term"]
