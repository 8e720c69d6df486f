"""What the cluster runs, read from the code: services, their consumers, topics and settings.

The manifests in k8s/base are generated from this (``peerlab ops k8s generate``), so a new consumer,
topic or production setting shows up as a difference that a test reports.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from peerlab.contracts import topics

# Production values every service gets (field name -> value); secrets are never here.
COMMON_CONFIG = {
    "environment": "production",
    "relay_in_process": "false",
    "log_json": "true",
    "log_level": "INFO",
    "kafka_bootstrap": "peerlab-kafka-bootstrap:9092",
    "worker_metrics_port": "9100",
    "worker_metrics_host": "0.0.0.0",
    "jwt_issuer": "peerlab",
    "jwt_audience": "peerlab",
    "tracing_enabled": "false",
}
# Standard OpenTelemetry variables in every ConfigMap (read by the SDK, not by our settings). Traces
# go out only when ``tracing_enabled`` is "true"; service.name defaults to the service's name.
OTEL_ENV = {
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.monitoring:4318",
}
# Settings whose values are secret: Secret ``<service>-secrets`` (key = field name, upper case).
COMMON_SECRETS = ("jwt_secret",)
STORE_CONFIG = {
    "storage_backend": "s3",
    "storage_s3_endpoint": "minio:9000",
    "storage_s3_secure": "false",
    "storage_s3_region": "us-east-1",
}
STORE_SECRETS = ("storage_s3_access_key", "storage_s3_secret_key")


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    consumers: dict[str, tuple[str, ...]]  # consumer group -> the topics it reads
    uses_store: bool = False
    config: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()

    @property
    def package(self) -> str:
        return f"peerlab.{self.name}"

    @property
    def env_prefix(self) -> str:
        return f"PEERLAB_{self.name.upper()}_"

    def env_name(self, field_name: str) -> str:
        return self.env_prefix + field_name.upper()

    def all_config(self) -> dict[str, str]:
        out = dict(COMMON_CONFIG)
        if self.uses_store:
            out |= STORE_CONFIG
        return out | self.config

    def all_secrets(self) -> tuple[str, ...]:
        return COMMON_SECRETS + (STORE_SECRETS if self.uses_store else ()) + self.secrets


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo(
        "submissions",
        {"submissions": (topics.REVIEW, topics.PROJECTS, topics.SCHEDULING, topics.ROSTER)},
        uses_store=True,
        config={
            "storage_bucket": "peerlab-submissions",
            "storage_s3_public_endpoint": "files.peerlab.example.org",
            "public_base_url": "https://peerlab.example.org",
        },
        secrets=("receipt_signing_key",),
    ),
    ServiceInfo("review", {"review": (topics.SUBMISSIONS, topics.ROSTER)}),
    ServiceInfo("projects", {"projects": (topics.ROSTER, topics.REVIEW, topics.SCHEDULING)}),
    ServiceInfo("scheduling", {"scheduling-exam": (topics.ROSTER, topics.PROJECTS), "scheduling": (topics.PROJECTS,)}),
    ServiceInfo(
        "gateway",
        {"gateway-webhooks": tuple(topics.ALL), "gateway-lti-passback": (topics.REVIEW, topics.SCHEDULING)},
        config={
            "submissions_url": "http://submissions",
            "review_url": "http://review",
            "projects_url": "http://projects",
            "scheduling_url": "http://scheduling",
            "public_base_url": "https://peerlab.example.org",
            # LTI 1.3: launches from the LMS and grade passback (platforms are registered by staff).
            "lti_enabled": "true",
            "lti_base_url": "https://peerlab.example.org",
        },
        secrets=("lms_inbound_secret", "lti_private_key"),
    ),
)
BY_NAME = {s.name: s for s in SERVICES}


def _consumer_specs(svc) -> list:
    """Every ConsumerSpec a service's worker runs: ``consumer_spec()`` of each ``events/*handlers``
    module (scheduling has two consumers); for the gateway its webhook consumer and, with LTI
    enabled (as in production), the grade passback."""
    if svc.name == "gateway":
        from peerlab.gateway.settings import GatewaySettings

        handlers = importlib.import_module(f"{svc.package}.events.handlers")
        passback = importlib.import_module(f"{svc.package}.lti.passback")
        settings = GatewaySettings()
        return [handlers.webhook_consumer_spec(settings), passback.consumer_spec(settings.course_id)]
    events = importlib.import_module(f"{svc.package}.events")
    names = sorted(m.name for m in pkgutil.iter_modules(events.__path__) if m.name.endswith("handlers"))
    modules = [importlib.import_module(f"{svc.package}.events.{name}") for name in names]
    return [module.consumer_spec() for module in modules if hasattr(module, "consumer_spec")]


def consumer_names_in_code() -> dict[str, tuple[str, ...]]:
    """The consumer group names each service's worker declares (its ConsumerSpecs)."""
    return {svc.name: tuple(spec.name for spec in _consumer_specs(svc)) for svc in SERVICES}


def consumers_in_code() -> dict[str, dict[str, tuple[str, ...]]]:
    """Per service, each consumer group and the topics it reads, as its worker declares them."""
    return {svc.name: {spec.name: tuple(spec.topics) for spec in _consumer_specs(svc)} for svc in SERVICES}


def all_topics() -> list[str]:
    """Every topic the cluster needs: one per publishing service and one dead-letter topic per consumer."""
    dlq = [topics.dead_letter_topic(c) for svc in SERVICES for c in svc.consumers]
    return [*topics.ALL, *dlq]


def settings_class(service: str) -> type:
    module = importlib.import_module(f"peerlab.{service}.settings")
    return next(
        v
        for k, v in vars(module).items()
        if k.endswith("Settings")
        and k != "ServiceSettings"
        and isinstance(v, type)
        and getattr(v, "__module__", "") == module.__name__
    )
