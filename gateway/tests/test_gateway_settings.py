"""Production refuses the development secrets and dev-only settings; the service URLs match `peerlab dev`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.gateway.main import create_app
from peerlab.gateway.settings import DEV_LMS_INBOUND_SECRET, GatewaySettings

REAL_JWT = "a-real-secret-for-production-0123456789"
REAL_LMS = "whsec_" + "cHJvZHVjdGlvbi1sbXMtc2VjcmV0LWZvci10ZXN0cw=="


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"jwt_secret": REAL_JWT}, "lms_inbound_secret"),
        ({"jwt_secret": REAL_JWT, "lms_inbound_secret": DEV_LMS_INBOUND_SECRET}, "lms_inbound_secret"),
        ({"lms_inbound_secret": REAL_LMS}, "jwt_secret"),
        ({"jwt_secret": DEV_JWT_SECRET, "lms_inbound_secret": REAL_LMS}, "jwt_secret"),
        (
            {"jwt_secret": REAL_JWT, "lms_inbound_secret": REAL_LMS, "webhook_allow_private": True},
            "webhook_allow_private",
        ),
        ({"jwt_secret": REAL_JWT, "lms_inbound_secret": REAL_LMS, "lti_enabled": True}, "lti_private_key"),
        ({"jwt_secret": REAL_JWT, "lms_inbound_secret": REAL_LMS, "lti_allow_http": True}, "lti_allow_http"),
        ({"jwt_secret": REAL_JWT, "lms_inbound_secret": REAL_LMS, "lti_allow_private": True}, "lti_allow_private"),
    ],
)
def test_production_refuses_development_secrets(overrides, field) -> None:
    with pytest.raises(ValidationError, match=field):
        GatewaySettings(environment="production", **overrides)
    GatewaySettings(environment="dev", **overrides)  # dev and test keep working with the defaults


def test_production_with_real_secrets_starts() -> None:
    settings = GatewaySettings(environment="production", jwt_secret=REAL_JWT, lms_inbound_secret=REAL_LMS)
    assert settings.lms_may_grant_staff_roles is False


def test_lti_needs_a_real_rsa_key_in_production() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def pem(key) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    real = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    GatewaySettings(
        environment="production",
        jwt_secret=REAL_JWT,
        lms_inbound_secret=REAL_LMS,
        lti_enabled=True,
        lti_private_key=real,
    )
    for bad in ("not a key", pem(ec.generate_private_key(ec.SECP256R1()))):
        with pytest.raises(ValidationError, match="lti_private_key"):
            GatewaySettings(environment="dev", lti_enabled=True, lti_private_key=bad)


def test_a_malformed_lms_secret_is_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="lms_inbound_secret"):
        GatewaySettings(environment="dev", lms_inbound_secret="whsec_%%%")


def _start(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PEERLAB_")}
    base.update({"PEERLAB_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/gw.db", **env})
    return subprocess.run(
        [sys.executable, "-c", "import peerlab.gateway.main"], env=base, capture_output=True, text=True, timeout=120
    )


def test_the_production_process_does_not_start_without_the_lms_secret(tmp_path) -> None:
    """The probe's setup: production without PEERLAB_GATEWAY_LMS_INBOUND_SECRET."""
    env = {"PEERLAB_GATEWAY_ENVIRONMENT": "production", "PEERLAB_GATEWAY_JWT_SECRET": REAL_JWT}
    refused = _start(env, tmp_path)
    assert refused.returncode != 0 and "lms_inbound_secret is the development default" in refused.stderr
    started = _start({**env, "PEERLAB_GATEWAY_LMS_INBOUND_SECRET": REAL_LMS}, tmp_path)
    assert started.returncode == 0, started.stderr[-2000:]


def test_a_push_signed_with_the_published_secret_is_refused_in_production(make_settings) -> None:
    settings = make_settings(
        environment="production", jwt_secret=REAL_JWT, lms_inbound_secret=REAL_LMS, webhook_allow_private=False
    )
    body = json.dumps({"type": "person.enrolled", "data": {"person_id": "s1", "name": "Ada", "roles": ["student"]}})
    msg_id, now = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "content-type": "application/json",
        "webhook-signature": Webhook(DEV_LMS_INBOUND_SECRET).sign(msg_id=msg_id, timestamp=now, data=body),
    }
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/roster/lms", content=body, headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "invalid_signature"


def test_service_url_defaults_are_the_dev_ports() -> None:
    """`peerlab dev` gives consecutive ports from 8000 in the order of its service list."""
    from peerlab.local.services import SERVICES

    ports = {spec.name: 8000 + index for index, spec in enumerate(SERVICES)}
    settings = GatewaySettings()
    for name in ("submissions", "review", "projects", "scheduling"):
        assert getattr(settings, f"{name}_url") == f"http://127.0.0.1:{ports[name]}", name
    assert ports["gateway"] == 8004
