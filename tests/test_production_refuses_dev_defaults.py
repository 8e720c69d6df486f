"""Every service's settings refuse, in production, each development default it would use, and the
message names the field (so an operator knows which variable to set)."""

from __future__ import annotations

import types

import pytest
from pydantic import ValidationError

from peerlab.chassis.settings import DEV_JWT_SECRET, DEV_S3_SECRET_KEY, DEV_STORAGE_SIGNING_SECRET
from peerlab.chassis.storage import make_object_store
from peerlab.projects.settings import ProjectsSettings
from peerlab.review.settings import ReviewSettings
from peerlab.scheduling.settings import SchedulingSettings
from peerlab.submissions.settings import SubmissionsSettings

SERVICES = {
    "submissions": SubmissionsSettings,
    "review": ReviewSettings,
    "projects": ProjectsSettings,
    "scheduling": SchedulingSettings,
}
REAL = {
    "jwt_secret": "a-real-secret-from-the-vault-" + "x" * 20,
    "storage_s3_secret_key": "a-real-s3-secret-from-the-vault",
    "storage_signing_secret": "a-real-url-signing-secret-from-the-vault",
    "receipt_signing_key": "g+H9j8RPW7GlSDGbZfFHFqaD4fGmapA9spVER0jkjh0=",
}


def real_values(cls, **override):
    values = {"environment": "production", **{k: v for k, v in REAL.items() if k in cls.model_fields}}
    values.update(override)
    return values


@pytest.mark.parametrize("service", SERVICES)
def test_production_starts_with_real_values(service):
    cls = SERVICES[service]
    cls(**real_values(cls))
    cls(**real_values(cls, storage_backend="s3"))


CASES = [
    ("jwt_secret", {"jwt_secret": DEV_JWT_SECRET}),
    ("storage_signing_secret", {"storage_signing_secret": DEV_STORAGE_SIGNING_SECRET, "storage_backend": "fs"}),
    ("storage_s3_secret_key", {"storage_s3_secret_key": DEV_S3_SECRET_KEY, "storage_backend": "s3"}),
]
# Only submissions opens an object store; the storage secrets are refused where they are used.
STORE_USERS = {name for name, cls in SERVICES.items() if cls.uses_object_store}


def test_the_services_that_open_a_store_say_so():
    assert STORE_USERS == {"submissions"}


@pytest.mark.parametrize("field, override", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("service", SERVICES)
def test_production_refuses_each_dev_default(service, field, override):
    cls = SERVICES[service]
    if field.startswith("storage_") and service not in STORE_USERS:
        cls(**real_values(cls, **override))  # not used by this service: nothing to refuse
        return
    with pytest.raises(ValidationError, match=rf"{field} \(PEERLAB_{service.upper()}_{field.upper()}\)"):
        cls(**real_values(cls, **override))


@pytest.mark.parametrize("service", SERVICES)
def test_production_refuses_dev_defaults_left_unset(service, monkeypatch):
    """Nothing set but the environment: every default in use is named at once."""
    for name in ("JWT_SECRET", "STORAGE_SIGNING_SECRET", "RECEIPT_SIGNING_KEY"):
        monkeypatch.delenv(f"PEERLAB_{service.upper()}_{name}", raising=False)
    with pytest.raises(ValidationError) as info:
        SERVICES[service](environment="production")
    assert "jwt_secret" in str(info.value)
    if service == "submissions":
        assert "receipt_signing_key" in str(info.value) and "storage_signing_secret" in str(info.value)


def test_submissions_refuses_a_missing_receipt_key():
    with pytest.raises(ValidationError, match="receipt_signing_key"):
        SubmissionsSettings(**real_values(SubmissionsSettings, receipt_signing_key=None))


def test_unused_dev_defaults_are_not_refused():
    """The S3 secret does not matter with the filesystem store, the JWT secret not with a JWKS URL,
    the URL-signing secret not with S3."""
    cls = SubmissionsSettings
    cls(**real_values(cls, storage_s3_secret_key=DEV_S3_SECRET_KEY, storage_backend="fs"))
    cls(**real_values(cls, jwt_secret=DEV_JWT_SECRET, jwt_jwks_url="https://idp.example/jwks"))
    cls(**real_values(cls, storage_signing_secret=DEV_STORAGE_SIGNING_SECRET, storage_backend="s3"))


@pytest.mark.parametrize(
    "override",
    [
        {"storage_backend": "fs", "storage_signing_secret": DEV_STORAGE_SIGNING_SECRET},
        {"storage_backend": "fs", "storage_signing_secret": None, "jwt_secret": DEV_JWT_SECRET},
        {"storage_backend": "s3", "storage_s3_secret_key": DEV_S3_SECRET_KEY},
    ],
    ids=["fs-dev-signing-secret", "fs-falls-back-to-dev-jwt", "s3-dev-secret"],
)
def test_the_store_itself_refuses_dev_secrets_in_production(override, tmp_path):
    """Whatever a service's settings declare, opening a store in production with a dev secret fails."""
    base = dict(
        environment="production",
        storage_fs_root=str(tmp_path),
        storage_bucket="b",
        public_base_url="http://x",
        jwt_secret="a-real-secret-" + "x" * 30,
        storage_signing_secret="a-real-url-secret-" + "y" * 30,
        storage_s3_endpoint="127.0.0.1:1",
        storage_s3_access_key="k",
        storage_s3_secret_key="a-real-s3-secret",
        storage_s3_secure=False,
        storage_s3_region="us-east-1",
    )
    with pytest.raises(ValueError, match="storage_(signing_secret|s3_secret_key)"):
        make_object_store(types.SimpleNamespace(**{**base, **override}))
    make_object_store(types.SimpleNamespace(**{**base, "storage_backend": override["storage_backend"]}))


def test_dev_and_test_keep_their_defaults():
    for cls in SERVICES.values():
        cls(environment="dev")
        cls(environment="test")
