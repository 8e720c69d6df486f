"""Offline checks of rendered manifests.

1. Core kinds against the Kubernetes OpenAPI schemas (``kubernetes-validate``, strict: an unknown
   field is an error).
2. Operator kinds (Strimzi, KEDA, CloudNativePG) against the ``openAPIV3Schema`` of their CRDs,
   strict as well (every object schema without ``x-kubernetes-preserve-unknown-fields`` gets
   ``additionalProperties: false``).
3. House rules the schemas cannot say: probes, resources, the security context, topics that the
   contracts name, no Secret with data in the repository.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from peerlab.local.ops.catalog import all_topics

K8S_VERSION = "1.32.0"
CORE_GROUPS = {
    "v1",
    "apps/v1",
    "batch/v1",
    "policy/v1",
    "autoscaling/v2",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
}
CRDS_ENV = "PEERLAB_K8S_CRDS"


def find_crd_dir(repo_root: Path) -> Path | None:
    """``$PEERLAB_K8S_CRDS``, else ``<repo>/../shared/k8s-crds`` (where CI lays the shared folder)."""
    candidates = [Path(os.environ[CRDS_ENV])] if os.environ.get(CRDS_ENV) else []
    candidates.append(repo_root.parent / "shared" / "k8s-crds")
    # A git worktree's repo root may sit deeper; the main clone's sibling is then two levels up.
    candidates.append(repo_root.parent.parent / "shared" / "k8s-crds")
    return next((c for c in candidates if c.is_dir()), None)


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            out.get("type") == "object"
            and "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        if out.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
            out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if out.get("nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def load_crd_schemas(crd_dir: Path) -> dict[tuple[str, str], dict]:
    """{(apiVersion, kind): strict JSON schema} for every served version of every CRD file."""
    out: dict[tuple[str, str], dict] = {}
    for path in sorted(crd_dir.rglob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served", True):
                    continue
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                out[(f"{group}/{version['name']}", kind)] = _strict(schema)
    return out


_VALIDATORS: dict[int, jsonschema.Draft7Validator] = {}


def _name(doc: dict) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def schema_problems(docs: Iterable[dict], crds: dict[tuple[str, str], dict] | None) -> list[str]:
    """Schema errors; operator kinds are skipped (not passed) when ``crds`` is None."""
    import kubernetes_validate

    problems: list[str] = []
    for doc in docs:
        api = doc.get("apiVersion", "")
        if api in CORE_GROUPS:
            try:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                where = "/".join(str(p) for p in exc.path)
                problems.append(f"{_name(doc)}: {exc.message.splitlines()[0]} (at {where or 'top'})")
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{_name(doc)}: no schema for {api}")
        elif crds is not None:
            schema = crds.get((api, doc.get("kind")))
            if schema is None:
                problems.append(f"{_name(doc)}: no CRD schema for {api} {doc.get('kind')}")
                continue
            validator = _VALIDATORS.get(id(schema))
            if validator is None:
                validator = _VALIDATORS[id(schema)] = jsonschema.Draft7Validator(schema)
            for err in validator.iter_errors(doc):
                where = "/".join(str(p) for p in err.absolute_path)
                problems.append(f"{_name(doc)}: {err.message.splitlines()[0][:200]} (at {where or 'top'})")
    return problems


def _containers(doc: dict) -> tuple[dict, list[dict]]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    return spec, list(spec.get("containers", []))


def rule_problems(docs: list[dict]) -> list[str]:
    """House rules (probes, resources, security context, topics, secrets)."""
    problems: list[str] = []
    expected_topics = set(all_topics())
    seen_topics: set[str] = set()
    for doc in docs:
        kind, name = doc.get("kind"), _name(doc)
        if kind == "Secret" and (doc.get("data") or doc.get("stringData")):
            problems.append(f"{name}: secret values do not belong in the repository")
        if kind == "KafkaTopic":
            topic = doc["spec"].get("topicName", doc["metadata"]["name"])
            seen_topics.add(topic)
            if topic not in expected_topics:
                problems.append(f"{name}: topic {topic!r} is not in peerlab.contracts.topics nor a consumer's DLQ")
        if kind in ("Deployment", "StatefulSet", "Job"):
            pod, containers = _containers(doc)
            psc = pod.get("securityContext", {})
            if psc.get("runAsNonRoot") is not True or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                problems.append(f"{name}: pod securityContext needs runAsNonRoot and seccomp RuntimeDefault")
            for c in [*containers, *pod.get("initContainers", [])]:
                where = f"{name} container {c.get('name')}"
                sc = c.get("securityContext", {})
                if not (
                    sc.get("runAsNonRoot") is True
                    and sc.get("readOnlyRootFilesystem") is True
                    and sc.get("allowPrivilegeEscalation") is False
                    and sc.get("capabilities", {}).get("drop") == ["ALL"]
                ):
                    problems.append(
                        f"{where}: securityContext must be non-root, read-only root, no privilege escalation, drop ALL"
                    )
                res = c.get("resources", {})
                for part in ("requests", "limits"):
                    if not {"cpu", "memory"} <= set(res.get(part, {})):
                        problems.append(f"{where}: resources.{part} needs cpu and memory")
            if kind == "Deployment":
                for c in containers:
                    where = f"{name} container {c.get('name')}"
                    live = c.get("livenessProbe", {}).get("httpGet", {}).get("path")
                    ready = c.get("readinessProbe", {}).get("httpGet", {}).get("path")
                    if live != "/healthz" or ready != "/readyz":
                        problems.append(f"{where}: needs livenessProbe on /healthz and readinessProbe on /readyz")
    if seen_topics and seen_topics != expected_topics:
        missing = sorted(expected_topics - seen_topics)
        if missing:
            problems.append(f"KafkaTopic: missing for {', '.join(missing)}")
    return problems


def check(docs: list[dict], crds: dict[tuple[str, str], dict] | None) -> list[str]:
    return schema_problems(docs, crds) + rule_problems(docs)
