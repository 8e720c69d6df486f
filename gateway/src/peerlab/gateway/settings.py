"""Gateway settings: ``PEERLAB_GATEWAY_<FIELD>`` environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from peerlab.chassis.settings import Environment, ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEERLAB_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    database_url: str = "sqlite:///./peerlab-gateway.db"

    # The services behind the edge (their REST APIs under /v1).
    submissions_url: str = "http://127.0.0.1:8001"
    review_url: str = "http://127.0.0.1:8002"
    projects_url: str = "http://127.0.0.1:8003"
    scheduling_url: str = "http://127.0.0.1:8004"
    backend_timeout_s: float = 10.0
    backend_max_connections: int = 100

    # GraphQL hardening.
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 2000
    graphql_max_batch: int = 10
    max_request_bytes: int = Field(default=64 * 1024, description="Largest accepted request body.")
    subscription_queue_size: int = 100
    subscriptions_enabled: bool = Field(
        default=True, description="Run the Kafka fan-out for GraphQL subscriptions in this process."
    )

    # Roster in (LMS push, Standard Webhooks signed).
    lms_inbound_secret: str = "whsec_cGVlcmxhYi1kZXYtbG1zLWluYm91bmQtc2VjcmV0"

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

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.PRODUCTION


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
