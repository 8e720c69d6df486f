"""Gateway settings: ``PEERLAB_GATEWAY_<FIELD>`` environment variables.

In production the gateway refuses to start with a development default secret: the chassis refuses
the JWT one, and this class the LMS inbound secret (published in this file). Endpoint secrets for
webhooks out are generated per endpoint, so there is no default to refuse there.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from standardwebhooks.webhooks import Webhook

from peerlab.chassis.settings import DevDefault, Environment, ServiceSettings
from peerlab.gateway.lti_keys import DEV_LTI_PRIVATE_KEY, private_key

DEV_LMS_INBOUND_SECRET = "whsec_cGVlcmxhYi1kZXYtbG1zLWluYm91bmQtc2VjcmV0"


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEERLAB_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    database_url: str = "sqlite:///./peerlab-gateway.db"

    # The services behind the edge (their REST APIs under /v1); the defaults are `peerlab dev`'s ports.
    submissions_url: str = "http://127.0.0.1:8000"
    review_url: str = "http://127.0.0.1:8001"
    projects_url: str = "http://127.0.0.1:8002"
    scheduling_url: str = "http://127.0.0.1:8003"
    backend_timeout_s: float = 10.0
    backend_max_connections: int = 100

    # GraphQL hardening (see graphql/budget.py).
    graphql_max_depth: int = 10
    graphql_max_introspection_depth: int = Field(
        default=15, description="Nesting allowed inside __schema/__type (the standard introspection query is 14)."
    )
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 2000
    graphql_max_cost: int = Field(
        default=1000, description="Fields an operation may select, every fragment spread expanded."
    )
    graphql_validation_budget_ms: float = Field(
        default=1000.0, description="Validation of one document is cut short after this much CPU time."
    )
    graphql_max_batch: int = 10
    graphql_max_backend_calls: int = Field(
        default=100, description="Calls to the services one HTTP GraphQL request may make (batched loaders count once)."
    )
    graphql_max_subscriptions_per_connection: int = 10
    graphql_apq_enabled: bool = Field(
        default=True, description="Automatic persisted queries (Apollo APQ): run a query sent by its SHA-256 hash."
    )
    graphql_apq_cache_size: int = Field(default=1000, description="Queries remembered by hash per process (LRU).")
    graphql_registered_operations_only: bool = Field(
        default=False, description="Run only the operations of the manifest (by hash or text); refuse the rest."
    )
    graphql_operation_manifest: str | None = Field(
        default=None,
        description="Apollo persisted-query manifest of the registered operations (default: the "
        "one generated from the course page, shipped with the gateway).",
    )
    max_request_bytes: int = Field(default=64 * 1024, description="Largest accepted request body (JSON).")
    max_roster_file_bytes: int = Field(default=2 * 1024 * 1024, description="Largest roster CSV upload.")
    subscription_queue_size: int = 100
    subscription_max_replay: int = Field(
        default=1000,
        description="Records a reconnecting subscription may be replayed from Kafka; further back: resync.",
    )
    subscriptions_enabled: bool = Field(
        default=True, description="Run the Kafka fan-out for GraphQL subscriptions in this process."
    )

    # Roster in (LMS push, Standard Webhooks signed).
    lms_inbound_secret: str = DEV_LMS_INBOUND_SECRET
    lms_may_grant_staff_roles: bool = Field(
        default=False,
        description="Let the LMS push give, change or take away staff roles (off: it manages students only).",
    )

    # LTI 1.3 Advantage (the gateway as a tool; platforms are registered by admins over /v1/lti).
    lti_enabled: bool = Field(default=False, description="Serve LTI login, launch, JWKS and run grade passback.")
    lti_private_key: str = Field(default=DEV_LTI_PRIVATE_KEY, description="The tool's RSA private key (PEM).")
    lti_key_id: str = "peerlab-lti-1"
    lti_base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="This gateway's public address (the launch URL the platform posts to is <base>/v1/lti/launch).",
    )
    lti_launch_redirect_url: str = Field(default="/", description="Where a verified launch sends the browser.")
    lti_state_ttl_s: float = Field(default=600.0, description="How long a login's state and nonce stay usable.")
    lti_person_id_from: Literal["lis_person_sourcedid", "user_id"] = Field(
        default="lis_person_sourcedid",
        description="Which platform field is the roster person id (the student number on DTU Learn).",
    )
    lti_allow_http: bool = Field(default=False, description="Accept http:// platform URLs (dev and tests only).")
    lti_allow_private: bool = Field(
        default=False,
        description="Permit platform URLs on loopback/private addresses (dev and tests only; the SSRF guard).",
    )
    lti_passback_max_attempts: int = 8
    lti_passback_interval_s: float = 1.0
    lti_timeout_s: float = 15.0

    # Webhooks out.
    webhook_allow_private: bool = Field(
        default=False, description="Permit loopback/private endpoint addresses (dev and tests only)."
    )
    webhook_timeout_s: float = 15.0
    webhook_max_payload_bytes: int = 20 * 1024
    webhook_disable_after_days: float = Field(
        default=5.0, description="An endpoint failing every attempt for this long is disabled."
    )
    webhook_secret_overlap_s: float = 24 * 3600.0
    webhook_poll_interval_s: float = 0.2
    webhook_concurrency: int = 8

    dev_defaults: ClassVar[tuple[DevDefault, ...]] = ServiceSettings.dev_defaults + (
        DevDefault("lti_private_key", DEV_LTI_PRIVATE_KEY, lambda s: s.lti_enabled),
    )

    @field_validator("lms_inbound_secret")
    @classmethod
    def _lms_secret_is_a_standard_webhooks_secret(cls, value: str) -> str:
        try:
            Webhook(value)
        except Exception as exc:  # any decoding failure means a bad secret
            raise ValueError("lms_inbound_secret must be a Standard Webhooks secret (whsec_<base64>)") from exc
        return value

    @model_validator(mode="after")
    def _refuse_gateway_dev_secrets_in_production(self) -> GatewaySettings:
        if self.environment == Environment.PRODUCTION:
            if self.lms_inbound_secret == DEV_LMS_INBOUND_SECRET:
                raise ValueError(
                    "lms_inbound_secret is the development default; set PEERLAB_GATEWAY_LMS_INBOUND_SECRET"
                )
            if self.webhook_allow_private:
                raise ValueError("webhook_allow_private is for dev and tests only")
            if self.lti_allow_http:
                raise ValueError("lti_allow_http is for dev and tests only")
            if self.lti_allow_private:
                raise ValueError("lti_allow_private is for dev and tests only")
        return self

    @model_validator(mode="after")
    def _lti_key_is_an_rsa_key(self) -> GatewaySettings:
        if self.lti_enabled:
            try:
                private_key(self.lti_private_key)
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    "lti_private_key must be an unencrypted RSA private key (PEM), 2048 bits or more"
                ) from exc
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.PRODUCTION


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
