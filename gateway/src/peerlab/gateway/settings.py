"""Gateway settings: ``PEERLAB_GATEWAY_<FIELD>`` environment variables.

In production the gateway refuses to start with a development default secret: the chassis refuses
the JWT one, and this class the LMS inbound secret (published in this file). Endpoint secrets for
webhooks out are generated per endpoint, so there is no default to refuse there.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from standardwebhooks.webhooks import Webhook

from peerlab.chassis.settings import Environment, ServiceSettings

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
    max_request_bytes: int = Field(default=64 * 1024, description="Largest accepted request body (JSON).")
    max_roster_file_bytes: int = Field(default=2 * 1024 * 1024, description="Largest roster CSV upload.")
    subscription_queue_size: int = 100
    subscriptions_enabled: bool = Field(
        default=True, description="Run the Kafka fan-out for GraphQL subscriptions in this process."
    )

    # Roster in (LMS push, Standard Webhooks signed).
    lms_inbound_secret: str = DEV_LMS_INBOUND_SECRET
    lms_may_grant_staff_roles: bool = Field(
        default=False,
        description="Let the LMS push give, change or take away staff roles (off: it manages students only).",
    )

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
                raise ValueError("lms_inbound_secret is the development default; set PEERLAB_GATEWAY_LMS_INBOUND_SECRET")
            if self.webhook_allow_private:
                raise ValueError("webhook_allow_private is for dev and tests only")
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.PRODUCTION


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
