"""Render a kustomize overlay: ``kubectl kustomize`` when it is installed, else a small renderer.

The small renderer knows what our overlays use and nothing more: ``resources`` (files and folders),
``namespace``, ``labels`` (metadata only), ``images``, and ``patches`` (strategic merge by file,
JSON 6902 by target). Lists in core kinds merge by ``name`` (``containerPort``, ``mountPath``) as
kustomize does; lists in operator kinds are replaced. A test compares it with ``kubectl kustomize``.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

MERGE_KEYS = ("name", "containerPort", "mountPath")
NAMESPACED_SKIP = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def kubectl() -> str | None:
    return shutil.which("kubectl")


def render(overlay: Path, *, engine: str = "auto") -> list[dict]:
    """The overlay's documents; ``engine`` is ``auto``, ``kubectl`` or ``python``."""
    if engine == "kubectl" or (engine == "auto" and kubectl()):
        done = subprocess.run(
            [kubectl() or "kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=120, check=True
        )
        return [d for d in yaml.safe_load_all(done.stdout) if d]
    return _render_python(overlay)


def dump(docs: list[dict]) -> str:
    return "---\n".join(yaml.safe_dump(d, sort_keys=True, width=120) for d in docs)


def key(doc: dict) -> tuple[str, str, str, str]:
    meta = doc.get("metadata", {})
    return doc.get("apiVersion", ""), doc.get("kind", ""), meta.get("namespace", ""), meta.get("name", "")


# --- the small renderer ------------------------------------------------------------------------
def _render_python(directory: Path) -> list[dict]:
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs: list[dict] = []
    for res in spec.get("resources", []):
        path = directory / res
        if path.is_dir():
            docs += _render_python(path)
        else:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for patch in spec.get("patches", []):
        _apply_patch(directory, docs, patch)
    for image in spec.get("images", []):
        _set_image(docs, image)
    for group in spec.get("labels", []):
        for doc in docs:
            doc.setdefault("metadata", {}).setdefault("labels", {}).update(group.get("pairs", {}))
    namespace = spec.get("namespace")
    if namespace:
        for doc in docs:
            if doc.get("kind") not in NAMESPACED_SKIP:
                doc.setdefault("metadata", {})["namespace"] = namespace
    return docs


def _matches(doc: dict, target: dict) -> bool:
    meta = doc.get("metadata", {})
    return all(
        (field not in target) or target[field] is None or re.fullmatch(target[field], value or "") is not None
        for field, value in (
            ("kind", doc.get("kind")),
            ("name", meta.get("name")),
            ("version", doc.get("apiVersion", "").split("/")[-1]),
            ("group", doc.get("apiVersion", "").rpartition("/")[0]),
        )
    )


def _apply_patch(directory: Path, docs: list[dict], patch: dict) -> None:
    body = (directory / patch["path"]).read_text() if "path" in patch else patch["patch"]
    parsed = list(yaml.safe_load_all(body))
    if len(parsed) == 1 and isinstance(parsed[0], list):  # JSON 6902
        for doc in docs:
            if _matches(doc, patch.get("target", {})):
                for op in parsed[0]:
                    _json6902(doc, op)
        return
    for smp in (p for p in parsed if p):
        target = {"kind": smp.get("kind"), "name": smp.get("metadata", {}).get("name"), **patch.get("target", {})}
        hits = [d for d in docs if _matches(d, target)]
        if not hits:
            raise ValueError(f"patch {patch} matches nothing")
        for doc in hits:
            merged = _merge(
                doc,
                smp,
                core="." not in doc.get("apiVersion", "").split("/")[0]
                or doc.get("apiVersion", "").startswith(("networking.k8s.io", "rbac.")),
            )
            doc.clear()
            doc.update(merged)


def _merge(base: Any, patch: Any, *, core: bool) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = _merge(out[k], v, core=core)
            else:
                out[k] = copy.deepcopy(v)
        return out
    if (
        core
        and isinstance(base, list)
        and isinstance(patch, list)
        and patch
        and all(isinstance(p, dict) for p in patch)
    ):
        mkey = next((k for k in MERGE_KEYS if all(k in p for p in patch) and all(k in b for b in base)), None)
        if mkey:
            out = copy.deepcopy(base)
            for item in patch:
                idx = next((i for i, b in enumerate(out) if b[mkey] == item[mkey]), None)
                if idx is None:
                    out.append(copy.deepcopy(item))
                else:
                    out[idx] = _merge(out[idx], item, core=core)
            return out
    return copy.deepcopy(patch)


def _json6902(doc: dict, op: dict) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
    parent: Any = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent.setdefault(part, {})
    last = parts[-1]
    if op["op"] in ("add", "replace"):
        if isinstance(parent, list):
            if last == "-":
                parent.append(copy.deepcopy(op["value"]))
            elif op["op"] == "add":
                parent.insert(int(last), copy.deepcopy(op["value"]))
            else:
                parent[int(last)] = copy.deepcopy(op["value"])
        else:
            parent[last] = copy.deepcopy(op["value"])
    elif op["op"] == "remove":
        if isinstance(parent, list):
            del parent[int(last)]
        else:
            parent.pop(last, None)
    else:
        raise ValueError(f"unsupported JSON 6902 op {op['op']!r}")


def _set_image(docs: list[dict], image: dict) -> None:
    for doc in docs:
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for c in [*pod.get("containers", []), *pod.get("initContainers", [])]:
            name, _, tag = c.get("image", "").partition(":")
            if name == image["name"]:
                c["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag or 'latest')}"
