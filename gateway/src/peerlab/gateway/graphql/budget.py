"""What a GraphQL document may cost before any validation or execution work is done on it.

A document is measured once, in time linear in its size: every fragment is measured once and its
measure reused at every spread (``cost(F)`` memoised), so a document of N fragments that each
spread the previous one twice is measured in N steps and reported at its expanded size (2^N).
strawberry's depth and alias limiters walk every expanded path instead, which is exactly the work
such a document is built to cause; they are not used.

- ``cost``: fields in the operation with every fragment spread expanded.
- ``depth``: nesting of fields with a selection set (leaves count 0, as strawberry counts), outside
  introspection; ``introspection_depth`` the same inside ``__schema``/``__type`` (refused too, with
  a limit of its own that the standard introspection query fits).
- ``aliases``: aliased fields, fragments expanded.

Validation then runs with a CPU-time budget (``deadline_rule``) as a second line: a document that
passes the measures but still keeps the validator busy is refused instead of holding the event loop.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    parse,
)
from graphql.validation.validate import ValidationAbortedError
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})

REFUSED = Counter("peerlab_gateway_graphql_refused_total", "GraphQL documents refused before execution", ["code"])
COST = Histogram(
    "peerlab_gateway_graphql_cost",
    "Expanded field count of accepted GraphQL operations",
    buckets=(5, 10, 25, 50, 100, 250, 500, 1000, 2500),
)


@dataclass(frozen=True)
class Limits:
    max_tokens: int
    max_cost: int
    max_depth: int
    max_introspection_depth: int
    max_aliases: int
    validation_budget_s: float


@dataclass(frozen=True)
class Measure:
    cost: int = 0
    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0

    def __add__(self, other: Measure) -> Measure:
        """Siblings: costs and aliases add up, depths take the deeper one."""
        return Measure(
            self.cost + other.cost,
            max(self.depth, other.depth),
            max(self.introspection_depth, other.introspection_depth),
            self.aliases + other.aliases,
        )


class QueryRefused(Exception):
    """A document over a limit; ``extra`` (the measure and the limit) goes to the client."""

    def __init__(self, code: str, message: str, **extra: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    def graphql_error(self) -> GraphQLError:
        return GraphQLError(self.message, extensions={"code": self.code, **self.extra})


class _Measurer:
    """One pass over a document; fragments are measured once per mode (plain/introspection)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, bool], Measure] = {}
        self.in_progress: set[tuple[str, bool]] = set()
        self.walked = 0  # selections visited: linear in the document, whatever its expanded size

    def selection_set(self, node: SelectionSetNode | None, introspection: bool) -> Measure:
        total = Measure()
        if node is None:
            return total
        for selection in node.selections:
            self.walked += 1
            if isinstance(selection, FieldNode):
                total += self.field(selection, introspection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set, introspection)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, introspection)
        return total

    def field(self, node: FieldNode, introspection: bool) -> Measure:
        inside = introspection or node.name.value in INTROSPECTION_ROOTS
        child = self.selection_set(node.selection_set, inside)
        level = 1 if node.selection_set is not None else 0
        if inside:
            depth, introspection_depth = 0, level + child.introspection_depth
        else:
            depth, introspection_depth = level + child.depth, child.introspection_depth
        return Measure(1 + child.cost, depth, introspection_depth, (1 if node.alias else 0) + child.aliases)

    def spread(self, name: str, introspection: bool) -> Measure:
        key = (name, introspection)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or key in self.in_progress:
            return Measure()  # unknown fragments and cycles: validation refuses them
        self.in_progress.add(key)
        measure = self.selection_set(fragment.selection_set, introspection)
        self.in_progress.discard(key)
        self.memo[key] = measure
        return measure


def measure(document: DocumentNode) -> tuple[Measure, int]:
    """The largest measure over the document's operations, and how many selections were walked."""
    measurer = _Measurer(document)
    worst = Measure()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            m = measurer.selection_set(definition.selection_set, False)
            worst = Measure(
                max(worst.cost, m.cost),
                max(worst.depth, m.depth),
                max(worst.introspection_depth, m.introspection_depth),
                max(worst.aliases, m.aliases),
            )
    return worst, measurer.walked


def enforce(document: DocumentNode, limits: Limits) -> Measure:
    """The document's measure, or ``QueryRefused`` naming the first limit it is over."""
    try:
        m, _ = measure(document)
    except RecursionError as exc:  # a fragment chain longer than the interpreter's stack (a large token limit)
        raise QueryRefused(
            "query_too_deep", "The document nests fragments too deeply to measure.", maxDepth=limits.max_depth
        ) from exc
    if m.cost > limits.max_cost:
        raise QueryRefused(
            "query_too_complex",
            f"The operation selects {m.cost} fields with its fragments expanded; at most "
            f"{limits.max_cost} are allowed.",
            cost=m.cost,
            maxCost=limits.max_cost,
        )
    if m.depth > limits.max_depth:
        raise QueryRefused(
            "query_too_deep",
            f"The operation nests {m.depth} levels; at most {limits.max_depth}.",
            depth=m.depth,
            maxDepth=limits.max_depth,
        )
    if m.introspection_depth > limits.max_introspection_depth:
        raise QueryRefused(
            "introspection_too_deep",
            f"The introspection nests {m.introspection_depth} levels; at most {limits.max_introspection_depth}.",
            depth=m.introspection_depth,
            maxDepth=limits.max_introspection_depth,
        )
    if m.aliases > limits.max_aliases:
        raise QueryRefused(
            "too_many_aliases",
            f"The operation uses {m.aliases} aliases; at most {limits.max_aliases}.",
            aliases=m.aliases,
            maxAliases=limits.max_aliases,
        )
    return m


def check_query(query: str | None, limits: Limits) -> None:
    """Parse with the token limit and enforce the measures (the HTTP route's check before any work).

    Syntax errors other than the token limit are left to the schema, which reports them as usual.
    """
    if not query:
        return
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLSyntaxError as exc:
        if "tokens" in exc.message:
            refusal = QueryRefused(
                "too_many_tokens",
                f"The document has more than {limits.max_tokens} tokens.",
                maxTokens=limits.max_tokens,
            )
            REFUSED.labels(refusal.code).inc()
            raise refusal from exc
        return
    try:
        enforce(document, limits)
    except QueryRefused as refusal:
        REFUSED.labels(refusal.code).inc()
        raise


class _CollectorClock:
    """CPU seconds each thread spent in the garbage collector (``gc.callbacks`` run in that thread).

    A full collection can take a second on a large heap; it is the process's cost, not the
    document's, and must not count against the document's validation budget.
    """

    def __init__(self) -> None:
        self.local = threading.local()
        gc.callbacks.append(self.observe)

    def observe(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self.local.started = time.thread_time()
        elif (started := getattr(self.local, "started", None)) is not None:
            self.local.total = self.spent() + time.thread_time() - started
            self.local.started = None

    def spent(self) -> float:
        return getattr(self.local, "total", 0.0)


COLLECTOR = _CollectorClock()


def document_cpu_time() -> float:
    """CPU time of this thread, less its time in the garbage collector."""
    return time.thread_time() - COLLECTOR.spent()


def deadline_rule(budget_s: float) -> type[ValidationRule]:
    """A validation rule that aborts validation once it has used more than ``budget_s`` of CPU.

    CPU time of the validating thread, not wall-clock time: on a busy machine (or a throttled pod)
    a cheap document can wait longer than the budget without doing any work, and must not be
    refused for that. Garbage collection that happens to run meanwhile is not counted either.
    """

    class DeadlineRule(ValidationRule):
        def __init__(self, context) -> None:
            super().__init__(context)
            self.deadline = document_cpu_time() + budget_s

        def enter(self, *_args: object) -> None:
            if document_cpu_time() >= self.deadline:
                raise ValidationAbortedError(
                    f"Validating the document took more than {budget_s:g} s of CPU.",
                    extensions={"code": "validation_budget_exceeded"},
                )

    return DeadlineRule


class ValidationResults:
    """Validation errors by query text, for one schema (give each schema its own)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, list[GraphQLError]] = OrderedDict()

    def get(self, key: str) -> list[GraphQLError] | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: str, value: list[GraphQLError]) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class QueryBudget(SchemaExtension):
    """Token limit at parse; the measures before validation; validation under a time budget.

    Replaces strawberry's ``ValidationCache``: a validation cut short by the time budget (perhaps
    only because the machine was busy) is not cached, every other result is (by query text).
    Runs for every transport (HTTP and WebSocket subscriptions).
    """

    def __init__(self, *, limits: Limits, cache: ValidationResults) -> None:
        self.limits = limits
        self.cache = cache

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        try:
            m = enforce(context.graphql_document, self.limits)
        except QueryRefused as refusal:
            REFUSED.labels(refusal.code).inc()
            context.pre_execution_errors = [refusal.graphql_error()]
            yield
            return
        COST.observe(m.cost)
        key = context.query or ""
        errors = self.cache.get(key) if key else None
        if errors is None:
            rules = (*context.validation_rules, deadline_rule(self.limits.validation_budget_s))
            errors = validate_document(context.schema._schema, context.graphql_document, rules)
            timed_out = any((e.extensions or {}).get("code") == "validation_budget_exceeded" for e in errors)
            if timed_out:
                REFUSED.labels("validation_budget_exceeded").inc()
            elif key:
                self.cache.put(key, errors)
        context.pre_execution_errors = errors
        yield
