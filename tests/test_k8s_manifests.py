"""k8s/: the base is what the code generates, the rendered overlays are current, every object of
both overlays validates (core kinds strictly, operator kinds against their CRDs, house rules), and
the checker itself catches a broken manifest."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from peerlab.contracts import topics
from peerlab.local.ops import catalog, manifests, render, validate

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "k8s"
OVERLAYS = ("dev", "prod")
CRD_DIR = validate.find_crd_dir(ROOT)


def committed(overlay: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((K8S / "rendered" / f"{overlay}.yaml").read_text()) if d]


def by_key(docs: list[dict]) -> dict:
    return {render.key(d): d for d in docs}


@pytest.fixture(scope="module")
def crds() -> dict:
    if CRD_DIR is None:
        pytest.skip(
            "CRD schemas not found (expected <repo>/../shared/k8s-crds or $PEERLAB_K8S_CRDS): "
            "Strimzi, KEDA and CloudNativePG objects cannot be checked here"
        )
    return validate.load_crd_schemas(CRD_DIR)


# --- generated and rendered files are current ---------------------------------------------------------
def test_the_base_is_what_the_code_generates():
    assert manifests.stale_files(K8S / "base") == [], "run `peerlab ops k8s generate` and commit k8s/base"


def test_the_catalogue_names_the_consumers_and_topics_the_code_declares():
    assert {s.name: tuple(s.consumers) for s in catalog.SERVICES} == catalog.consumer_names_in_code()
    assert {s.name: s.consumers for s in catalog.SERVICES} == catalog.consumers_in_code()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_kafka_topics_are_the_contract_topics_and_dead_letter_topics(overlay):
    names = sorted(d["spec"]["topicName"] for d in committed(overlay) if d["kind"] == "KafkaTopic")
    consumers = [c for names_ in catalog.consumer_names_in_code().values() for c in names_]
    assert names == sorted([*topics.ALL, *(topics.dead_letter_topic(c) for c in consumers)])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_rendered_overlay_is_current(overlay):
    fresh = render.render(K8S / "overlays" / overlay)
    assert by_key(fresh) == by_key(committed(overlay)), "run `peerlab ops k8s render` and commit k8s/rendered"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_python_renderer_matches_kubectl_kustomize(overlay):
    if render.kubectl() is None:
        pytest.skip("kubectl is not installed")
    ours = by_key(render.render(K8S / "overlays" / overlay, engine="python"))
    theirs = by_key(render.render(K8S / "overlays" / overlay, engine="kubectl"))
    assert sorted(ours) == sorted(theirs)
    for k in theirs:
        assert ours[k] == theirs[k], k


# --- every object validates ---------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_kinds_validate_strictly_and_keep_the_house_rules(overlay):
    assert validate.check(committed(overlay), None) == []  # operator kinds: next test


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_kinds_validate_against_their_crds(overlay, crds):
    docs = committed(overlay)
    operator_kinds = {d["kind"] for d in docs if d["apiVersion"] not in validate.CORE_GROUPS}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Database", "ScaledObject"} <= operator_kinds
    assert validate.schema_problems(docs, crds) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_api_worker_migration_service_budget_and_scaling(overlay):
    keys = {(d["kind"], d["metadata"]["name"]) for d in committed(overlay)}
    for svc in catalog.SERVICES:
        n = svc.name
        assert {
            ("Deployment", f"{n}-api"),
            ("Deployment", f"{n}-worker"),
            ("Job", f"{n}-migrate"),
            ("Service", n),
            ("PodDisruptionBudget", f"{n}-api"),
            ("ConfigMap", f"{n}-config"),
            ("ScaledObject", f"{n}-worker"),
            ("NetworkPolicy", f"{n}-traffic"),
        } <= keys
        assert ("HorizontalPodAutoscaler", f"{n}-api") in keys or ("ScaledObject", f"{n}-api") in keys


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workers_scale_on_the_lag_of_exactly_the_topics_each_group_reads(overlay):
    """A lag trigger on a topic the group never reads counts the whole topic as lag (no committed
    offset, reset to earliest): the worker would never scale down."""
    read = {
        (group, topic)
        for groups in catalog.consumers_in_code().values()
        for group, ts in groups.items()
        for topic in ts
    }
    triggered = {
        (t["metadata"]["consumerGroup"], t["metadata"]["topic"])
        for d in committed(overlay)
        if d["kind"] == "ScaledObject" and d["metadata"]["name"].endswith("-worker")
        for t in d["spec"]["triggers"]
        if t["type"] == "kafka"
    }
    assert triggered == read
    assert ("gateway-lti-passback", topics.REVIEW) in triggered and ("scheduling", topics.ROSTER) not in triggered


def test_only_the_gateway_and_the_object_host_are_exposed():
    docs = committed("prod")
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    backends = {
        p["backend"]["service"]["name"] for i in ingresses for r in i["spec"]["rules"] for p in r["http"]["paths"]
    }
    assert backends == {"gateway", "minio"}
    assert not [d for d in docs if d["kind"] == "Service" and d["spec"].get("type") in ("NodePort", "LoadBalancer")]


def test_services_reach_only_broker_database_and_store():
    docs = by_key(committed("prod"))
    for svc in catalog.SERVICES:
        policy = docs[("networking.k8s.io/v1", "NetworkPolicy", "peerlab", f"{svc.name}-traffic")]
        targets = {
            tuple(sorted(t["podSelector"]["matchLabels"].items()))
            for rule in policy["spec"]["egress"]
            for t in rule["to"]
        }
        allowed = {tuple(sorted(s["matchLabels"].items())) for s in (manifests.KAFKA_PODS, manifests.PG_PODS)}
        if svc.uses_store:
            allowed.add(tuple(sorted(manifests.MINIO_PODS["matchLabels"].items())))
        if svc.name == "gateway":
            allowed.add((("app.kubernetes.io/component", "api"), ("peerlab/tier", "app")))
        assert targets == allowed, svc.name
    assert docs[("networking.k8s.io/v1", "NetworkPolicy", "peerlab", "default-deny")]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress"],
        "ingress": [],
    }
    assert docs[("networking.k8s.io/v1", "NetworkPolicy", "peerlab", "apps-egress-deny")]["spec"] == {
        "podSelector": {"matchLabels": {"peerlab/tier": "app"}},
        "policyTypes": ["Egress"],
        "egress": [],
    }


# --- production settings come from the ConfigMap and Secrets ------------------------------------------
@pytest.mark.parametrize("service", [s.name for s in catalog.SERVICES])
def test_production_settings_load_from_the_manifests(service, monkeypatch):
    docs = by_key(committed("prod"))
    config = docs[("v1", "ConfigMap", "peerlab", f"{service}-config")]["data"]
    api = docs[("apps/v1", "Deployment", "peerlab", f"{service}-api")]["spec"]["template"]["spec"]["containers"][0]
    env = dict(config)
    resolved: dict[str, str] = {"DB_USER": service, "DB_PASSWORD": "pw0123456789"}
    for item in api["env"]:
        if "value" in item:
            value = item["value"]
            for k, v in resolved.items():
                value = value.replace(f"$({k})", v)
            env[item["name"]] = value
        elif "secretKeyRef" in item["valueFrom"]:
            resolved[item["name"]] = env[item["name"]] = _fake_secret(item["valueFrom"]["secretKeyRef"]["key"])
        else:
            env[item["name"]] = "pod-name"
    settings_cls = catalog.settings_class(service)
    prefix = catalog.BY_NAME[service].env_prefix
    unknown = [k for k in env if k.startswith("PEERLAB_") and k[len(prefix) :].lower() not in settings_cls.model_fields]
    assert unknown == [], f"env names that are no setting of {settings_cls.__name__}"
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    settings = settings_cls()  # raises when production lacks something (secrets, receipt key, ...)
    assert settings.environment == "production" and settings.relay_in_process is False
    assert settings.database_url.startswith("postgresql+psycopg://") and service in settings.database_url
    assert settings.kafka_bootstrap == "peerlab-kafka-bootstrap:9092" and settings.worker_metrics_port == 9100
    # Traces are off until switched on; the exporter is already configured by the standard OTEL_* names.
    assert settings.tracing_enabled is False and env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://")
    assert settings.jwt_jwks_url and settings.jwt_secret != "peerlab-dev-secret-change-me-0123456789abcdef"
    if service == "gateway":
        assert settings.lti_enabled and settings.lti_base_url.startswith("https://")
    if catalog.BY_NAME[service].uses_store:
        assert settings.storage_backend == "s3" and settings.storage_s3_secret_key.startswith("fake-")
    secret_values = [v for k, v in config.items() if any(w in k for w in ("SECRET", "PASSWORD", "SIGNING_KEY"))]
    assert secret_values == []


def _fake_secret(key: str) -> str:
    if key == "RECEIPT_SIGNING_KEY":
        import base64

        return base64.b64encode(bytes(range(32))).decode()
    if key == "LTI_PRIVATE_KEY":  # an RSA key of the tool's own, not the dev key in the code
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key_pair = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key_pair.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    return f"fake-{key.lower()}-0123456789abcdef0123456789"


# --- the checker catches a broken manifest -------------------------------------------------------------
def _find(docs: list[dict], kind: str, name: str | None = None) -> dict:
    return next(d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name))


PROD = committed("prod")


def _broken(mutate) -> list[dict]:
    docs = copy.deepcopy(PROD)
    mutate(docs)
    return docs


def _check(docs: list[dict]) -> list[str]:
    """Schema checks of the objects that differ from the committed ones, house rules of all."""
    changed = [d for d in docs if d not in PROD]
    return validate.schema_problems(changed, None) + validate.rule_problems(docs)


def test_a_typo_in_a_core_field_fails():
    docs = _broken(lambda ds: _find(ds, "Deployment", "review-api")["spec"].update(replicaz=2))
    assert any("review-api" in p and "replicaz" in p for p in _check(docs))


def test_a_typo_in_a_container_field_fails():
    def mutate(ds):
        c = _find(ds, "Deployment", "projects-worker")["spec"]["template"]["spec"]["containers"][0]
        c["readinessProbe"]["httpGet"]["paht"] = c["readinessProbe"]["httpGet"].pop("path")

    problems = _check(_broken(mutate))
    assert any("paht" in p for p in problems) and any("readinessProbe on /readyz" in p for p in problems)


def test_a_missing_probe_fails():
    def mutate(ds):
        del _find(ds, "Deployment", "submissions-api")["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]

    assert any("submissions-api" in p and "livenessProbe" in p for p in _check(_broken(mutate)))


def test_a_container_that_may_escalate_fails():
    def mutate(ds):
        c = _find(ds, "Deployment", "gateway-api")["spec"]["template"]["spec"]["containers"][0]
        c["securityContext"]["allowPrivilegeEscalation"] = True
        del c["resources"]["limits"]

    problems = _check(_broken(mutate))
    assert any("no privilege escalation" in p for p in problems) and any("resources.limits" in p for p in problems)


def test_a_topic_not_in_the_contracts_fails():
    def mutate(ds):
        extra = copy.deepcopy(_find(ds, "KafkaTopic"))
        extra["metadata"]["name"] = extra["spec"]["topicName"] = "peerlab.grades"
        ds.append(extra)

    assert any("peerlab.grades" in p for p in _check(_broken(mutate)))


def test_a_missing_topic_fails():
    def mutate(ds):
        ds.remove(_find(ds, "KafkaTopic", "peerlab-dlq-review"))

    assert any("missing for peerlab.dlq.review" in p for p in _check(_broken(mutate)))


def test_a_secret_with_values_fails():
    def mutate(ds):
        ds.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "oops"}, "stringData": {"A": "b"}})

    assert any("Secret/oops" in p for p in _check(_broken(mutate)))


@pytest.mark.parametrize(
    ("kind", "name", "field"),
    [
        ("ScaledObject", "review-worker", "minReplicaCont"),
        ("KafkaTopic", "peerlab-review", "partitionz"),
        ("Cluster", "peerlab-pg", "instancez"),
        ("KafkaNodePool", "dual-role", "replica"),
    ],
)
def test_a_typo_in_an_operator_field_fails(crds, kind, name, field):
    docs = _broken(lambda ds: _find(ds, kind, name)["spec"].update({field: 1}))
    problems = validate.schema_problems([_find(docs, kind, name)], crds)
    assert any(f"{kind}/{name}" in p and field in p for p in problems), problems


def test_a_wrong_type_in_an_operator_field_fails(crds):
    docs = _broken(lambda ds: _find(ds, "ScaledObject", "review-worker")["spec"].update(maxReplicaCount="six"))
    assert any(
        "ScaledObject/review-worker" in p
        for p in validate.schema_problems([_find(docs, "ScaledObject", "review-worker")], crds)
    )


def test_the_validate_command_fails_on_a_broken_file(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from peerlab.local.cli import app

    monkeypatch.chdir(ROOT)
    good = [_find(PROD, "Deployment", "review-api"), _find(PROD, "Service", "review")]
    ok_file, bad_file = tmp_path / "ok.yaml", tmp_path / "bad.yaml"
    ok_file.write_text(yaml.safe_dump_all(good))
    broken = copy.deepcopy(good)
    broken[1]["spec"]["portz"] = broken[1]["spec"].pop("ports")
    bad_file.write_text(yaml.safe_dump_all(broken))
    assert CliRunner().invoke(app, ["ops", "k8s", "validate", str(ok_file)]).exit_code == 0
    result = CliRunner().invoke(app, ["ops", "k8s", "validate", str(bad_file)])
    assert result.exit_code == 1 and "portz" in result.output
