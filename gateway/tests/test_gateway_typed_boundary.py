"""The typed boundary: the client models are the ones generated from the services' committed
``openapi.json`` (regenerated here, compared byte for byte), and every problem code a service can
answer with is a value of its domain's error-code enum in the schema."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from peerlab.gateway.clients import codegen
from peerlab.gateway.graphql import error_codes

CODE = re.compile(r"^[a-z][a-z0-9_]{2,}$")


@pytest.mark.parametrize("service", codegen.SERVICES)
def test_generated_client_models_are_current(service: str, tmp_path: Path) -> None:
    fresh = tmp_path / f"{service}.py"
    codegen.generate(service, fresh)
    committed = codegen.MODELS_DIR / f"{service}.py"
    assert committed.read_text() == fresh.read_text(), (
        f"clients/models/{service}.py is stale: run python -m peerlab.gateway.clients.codegen"
    )


def _problem_codes(source_root: Path) -> set[str]:
    """The codes a service raises: ``ProblemError(status, "code", ...)``, ``conflict("code", ...)``,
    ``unavailable("code", ...)``, ``ValidationFailure(CONSTANT, ...)`` constants, ``not_found``/``forbidden``."""
    found: set[str] = set()
    for path in source_root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        if path.name == "errors.py" and path.parent.name == "validation":
            found |= {
                node.value.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and not node.targets[0].id.startswith("_")
                and node.targets[0].id
                not in {
                    "PAGE_LIMIT_EXCEEDED",
                    "PAGE_SIZE_MISMATCH",
                    "SECTIONS_MISSING",
                    "MISSING_CELL_IDS",
                    "DUPLICATE_CELL_IDS",
                    "EMPTY_NOTEBOOK",
                }
            }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name == "ProblemError" and len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str):
                found.add(args[1])
            elif name in ("conflict", "unavailable") and args and isinstance(args[0], str):
                found.add(args[0])
            elif name in ("not_found", "forbidden"):
                found.add(name)
    return {code for code in found if CODE.match(code)}


@pytest.mark.parametrize("domain", sorted(error_codes.BY_DOMAIN))
def test_every_code_a_service_answers_is_in_its_enum(domain: str) -> None:
    source = codegen.REPO_ROOT / "services" / domain / "src"
    raised = _problem_codes(source)
    assert len(raised) > 10, raised  # the scan finds the service's codes
    missing = raised - set(error_codes.BY_DOMAIN[domain]) - set(error_codes.COMMON)
    assert not missing, f"add to graphql/error_codes.py ({domain}): {sorted(missing)}"


def test_the_enums_are_in_the_schema() -> None:
    from peerlab.gateway.graphql.schema import build_schema
    from peerlab.gateway.settings import GatewaySettings

    schema = build_schema(GatewaySettings(environment="test"))._schema
    for domain, codes in error_codes.BY_DOMAIN.items():
        enum = schema.type_map[f"{domain.capitalize()}ErrorCode"]
        assert set(codes) | set(error_codes.COMMON) == set(enum.values)
    # Every mutation payload's errors carry one of them.
    for name, field in schema.mutation_type.fields.items():
        payload = field.type.of_type if hasattr(field.type, "of_type") else field.type
        error = payload.fields["errors"].type.of_type.of_type.of_type
        assert error.fields["code"].type.of_type.name.endswith("ErrorCode"), name


def test_a_code_the_enum_lacks_is_unknown_error_and_named_in_the_message() -> None:
    from peerlab.gateway.graphql.errors import ProjectsError, error_of

    known = error_of(ProjectsError, "selection_closed", "Closed.")
    assert known.code.value == "selection_closed" and known.message == "Closed."
    unknown = error_of(ProjectsError, "brand_new_code", "Something new.", "name")
    assert unknown.code.value == "unknown_error" and unknown.message == "brand_new_code: Something new."
    assert unknown.field == "name"


def test_a_receipt_document_is_passed_on_as_signed() -> None:
    """The signed receipt is handed out as the service sent it: no field added, none dropped."""
    from peerlab.gateway.clients.models import submissions as sm
    from peerlab.gateway.graphql.submissions import Receipt

    sent = {
        "receipt": {
            "submission_id": "sub-1",
            "version": 2,
            "assignment_id": "lab-1",
            "owner_id": "s1",
            "file_name": "lab1.ipynb",
            "size": 10,
            "sha256": "0" * 64,
            "received_at": "2026-09-01T10:00:00.123456Z",
            "server_time": "2026-09-01T10:00:01Z",
            "key_id": "k1",
        },
        "signature": "c2ln",
    }
    receipt = Receipt.from_api(sm.Receipt.model_validate(sent))
    assert receipt.document == sent
    assert receipt.algorithm == "Ed25519" and receipt.received_at.microsecond == 123456


def test_a_field_the_contract_requires_is_not_defaulted() -> None:
    """An answer without a required field fails at the boundary instead of being filled in."""
    from pydantic import ValidationError

    from peerlab.gateway.clients.models import review as rm

    answer = {"student_id": "s1", "status": "eligible", "labs_passed": 6, "labs_open": 0, "threshold": 6}
    with pytest.raises(ValidationError, match="total_labs"):
        rm.EligibilityPublic.model_validate(answer)
    assert rm.EligibilityPublic.model_validate({**answer, "total_labs": 8}).total_labs == 8
