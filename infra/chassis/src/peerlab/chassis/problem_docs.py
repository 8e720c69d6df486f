"""The problem+json answers of every operation, written into the app's OpenAPI document.

FastAPI documents a route's success and its 422 only. ``document_problems`` adds a ``Problem``
schema and, per operation, the error statuses it really answers with their ``code`` values:

- derived from what the chassis does for the route: 400 ``invalid_characters`` (every route: the
  NUL guard), 413 ``too_large`` (a parsed JSON body: the body limit), 503 ``database_busy`` /
  ``database_unavailable`` with ``Retry-After`` (a database session);
- derived from the code the route runs: its endpoint and dependencies, and the project functions
  they call (followed through the source; not into libraries), are read for the problems they raise:
  ``ProblemError(status, "code")``, ``not_found``, ``forbidden``, ``conflict("code")``,
  ``unavailable("code")``, ``unauthorized`` (so an authenticated principal gives 401 and a role
  dependency 403), and an exception class with a ``PROBLEM = (status, code)`` the app handles
  (the object store's);
- declared on the route, for what reading cannot see (a problem raised through an object's method
  or another exception type): ``responses=answers(409, "slot_full") | answers(404)``; and
  ``not_answered(404, "no_final_grade")`` for a derived problem the route cannot meet (the reading
  follows every branch of what it calls).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sysconfig
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from peerlab.chassis import auth, db, errors
from peerlab.chassis.errors import PROBLEM_JSON

CODES_KEY = "x-problem-codes"
NOTE_KEY = "x-problem-note"
EXCLUDED_KEY = "x-problem-not-answered"
PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": (
        "An error (RFC 9457 problem details, application/problem+json). Clients switch on `code`, "
        "never on the text; some problems carry more members (e.g. `errors` of a 422 validation_error)."
    ),
    "properties": {
        "type": {"title": "Type", "type": "string"},
        "title": {"title": "Title", "type": "string"},
        "status": {"title": "Status", "type": "integer"},
        "detail": {"title": "Detail", "type": "string"},
        "code": {"title": "Code", "type": "string"},
        "instance": {"title": "Instance", "type": "string"},
    },
    "required": ["type", "title", "status", "code", "detail"],
    "additionalProperties": True,
}

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    408: "Request timeout",
    409: "Conflict with the current state",
    410: "Gone",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Validation error",
    429: "Too many requests",
    502: "Upstream failure",
    503: "Unavailable; retry after Retry-After seconds",
    504: "Upstream timeout",
}

DATABASE_CODES = ("database_busy", "database_unavailable")
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}


def answers(status: int, *codes: str, note: str = "") -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` entry for problems the source reading cannot see (``note`` is added
    to the description); combine different statuses with ``|``."""
    return {status: {"description": TITLES.get(status, "Error"), CODES_KEY: list(codes), NOTE_KEY: note}}


def not_answered(status: int, *codes: str) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` entry for derived problems it cannot meet (the reading follows every
    branch of a shared function, e.g. a student-only branch under a staff-only route): drops
    ``codes`` of ``status``, or the whole status without codes, or once none is left."""
    return {status: {"description": TITLES.get(status, "Error"), EXCLUDED_KEY: list(codes)}}


# --- reading the source --------------------------------------------------------------------------


@dataclass(frozen=True)
class Raised:
    """What a function (and the project functions it calls) can raise, read from its source."""

    problems: frozenset[tuple[int, str]] = frozenset()
    exceptions: frozenset[type[BaseException]] = frozenset()  # other exception types, by handler
    database: bool = False

    def __or__(self, other: Raised) -> Raised:
        return Raised(
            self.problems | other.problems, self.exceptions | other.exceptions, self.database or other.database
        )


_cache: dict[Any, Raised] = {}


def _constants(call: ast.Call) -> list[Any]:
    return [a.value if isinstance(a, ast.Constant) else None for a in call.args]


def _problem_of(target: Any, call: ast.Call) -> tuple[int, str] | None:
    """The (status, code) a call to a chassis problem constructor makes, when it is constant."""
    args = _constants(call)
    keyword = {k.arg: k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)}
    if target is errors.ProblemError:
        status, code = (args + [None, None])[:2]
        status, code = keyword.get("status", status), keyword.get("code", code)
        return (status, code) if isinstance(status, int) and isinstance(code, str) else None
    if target is errors.not_found:
        return 404, "not_found"
    if target is errors.forbidden:
        return 403, "forbidden"
    if target is auth.unauthorized:
        code = args[1] if len(args) > 1 else keyword.get("code", "unauthorized")
        return (401, code) if isinstance(code, str) else None
    if target in (errors.conflict, errors.unavailable):
        code = args[0] if args else keyword.get("code")
        return (409 if target is errors.conflict else 503, code) if isinstance(code, str) else None
    return None


def _scope(fn: Callable[..., Any], tree: ast.AST) -> dict[str, Any]:
    """The names a function's body sees: its globals, closure and function-level imports."""
    names = dict(fn.__globals__)
    try:
        names.update(inspect.getclosurevars(fn).nonlocals)
    except (TypeError, ValueError):
        pass
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            try:
                module = importlib.import_module(node.module)
            except ImportError:
                continue
            for alias in node.names:
                names[alias.asname or alias.name] = getattr(module, alias.name, None)
    return names


def _resolve(node: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, names)
        if inspect.isclass(owner):
            return inspect.getattr_static(owner, node.attr, None)
        if inspect.ismodule(owner):
            return getattr(owner, node.attr, None)
    return None


def _project_function(target: Any) -> Callable[..., Any] | None:
    if isinstance(target, (staticmethod, classmethod)):
        target = target.__func__
    if inspect.isfunction(target):
        target = inspect.unwrap(target)
        if _is_project_code(target):
            return target
    return None


# Where installed libraries and the standard library live: their functions are not followed.
_LIBRARIES = tuple({sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")})


def _is_project_code(fn: Callable[..., Any]) -> bool:
    if (getattr(fn, "__module__", None) or "").split(".")[0] == "peerlab":
        return True
    try:
        path = inspect.getsourcefile(fn) or ""
    except TypeError:
        return False
    return bool(path) and not path.startswith(_LIBRARIES)


def raised_by(fn: Callable[..., Any]) -> Raised:
    """What ``fn`` raises, and the project functions it calls or hands on (``run_in_threadpool(f)``)."""
    fn = inspect.unwrap(fn)
    if fn in _cache:
        return _cache[fn]
    _cache[fn] = Raised()  # a cycle contributes nothing more
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return _cache[fn]
    names = _scope(fn, tree)
    problems: set[tuple[int, str]] = set()
    exceptions: set[type[BaseException]] = set()
    found = Raised()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = _resolve(node.func, names)
        if target is db.unit_of_work:
            found |= Raised(database=True)
        elif (problem := _problem_of(target, node)) is not None:
            problems.add(problem)
        elif inspect.isclass(target) and issubclass(target, BaseException):
            exceptions.add(target)
        for callee in (target, *(_resolve(arg, names) for arg in node.args)):
            if (function := _project_function(callee)) is not None:
                found |= raised_by(function)
    _cache[fn] = found | Raised(frozenset(problems), frozenset(exceptions))
    return _cache[fn]


def _dependency_calls(route: APIRoute) -> Iterable[Callable[..., Any]]:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if dependant.call is not None:
            yield dependant.call
        stack.extend(dependant.dependencies)


def route_problems(app: FastAPI, route: APIRoute) -> dict[int, set[str]]:
    """Status -> codes that ``route`` can answer (declared ``answers`` excluded)."""
    raised = Raised()
    for call in _dependency_calls(route):
        raised |= Raised(database=True) if call is db.get_session else raised_by(call)
    out: dict[int, set[str]] = {400: {"invalid_characters"}}
    problems = set(raised.problems)
    for exception in raised.exceptions:
        # another exception type answers as its class's ``PROBLEM`` when the app handles it
        if exception in app.exception_handlers and isinstance(getattr(exception, "PROBLEM", None), tuple):
            problems.add(exception.PROBLEM)
    if raised.database:
        problems |= {(503, code) for code in DATABASE_CODES}
    if route.body_field is not None:
        problems.add((413, "too_large"))
    for status, code in problems:
        if status != 500:  # an internal invariant failing is no part of the contract
            out.setdefault(status, set()).add(code)
    return out


# --- writing the document ------------------------------------------------------------------------


def _response(status: int, codes: Iterable[str], note: str = "") -> dict[str, Any]:
    listed = ", ".join(f"`{c}`" for c in sorted(set(codes)))
    title = TITLES.get(status, "Error")
    description = f"{title}. Problem codes: {listed}." if listed else f"{title}."
    response: dict[str, Any] = {
        "description": f"{description} {note}".strip(),
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


def _document_operation(operation: dict[str, Any], problems: dict[int, set[str]]) -> None:
    responses = operation.setdefault("responses", {})
    merged = {status: set(codes) for status, codes in problems.items()}
    notes: dict[int, str] = {}
    excluded: dict[int, set[str]] = {}
    for key, response in list(responses.items()):
        if CODES_KEY in response:
            merged.setdefault(int(key), set()).update(response[CODES_KEY])
            notes[int(key)] = response.get(NOTE_KEY, "")
        if EXCLUDED_KEY in response:
            excluded[int(key)] = set(response[EXCLUDED_KEY])
            del responses[key]
    if "422" in responses:  # FastAPI's request validation, answered as a problem by the chassis
        merged.setdefault(422, set()).add("validation_error")
    for status, codes in excluded.items():
        derived = merged.pop(status, set())
        left = derived - codes if codes else set()
        if left:
            merged[status] = left
    for status, codes in merged.items():
        responses[str(status)] = _response(status, codes, notes.get(status, ""))


def _drop_unused(schema: dict[str, Any], names: Iterable[str]) -> None:
    """Remove components nothing refers to any more (FastAPI's 422 body, replaced by Problem)."""
    components = schema["components"]["schemas"]
    for name in names:
        rest = [
            {k: v for k, v in schema.items() if k != "components"},
            {k: v for k, v in components.items() if k != name},
        ]
        if name in components and f'"#/components/schemas/{name}"' not in json.dumps(rest):
            del components[name]


def _effective_routes(app: FastAPI) -> Iterable[Any]:
    """The app's routes as requests meet them: FastAPI keeps an included router's routes behind a
    wrapper (``_IncludedRouter``) whose effective routes carry the full path."""
    try:
        from fastapi.routing import _iter_included_route_candidates
    except ImportError:  # FastAPI before included-router wrappers: the routes are the app's own
        return app.routes
    return _iter_included_route_candidates(app.routes)


def document(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Problem`` schema and every operation's problem responses to ``schema``."""
    for route in _effective_routes(app):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        problems = route_problems(app, route)
        for method in route.methods:
            operation = schema.get("paths", {}).get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _document_operation(operation, problems)
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    _drop_unused(schema, ("HTTPValidationError", "ValidationError"))
    return schema


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the problem responses (once, when first rendered)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
