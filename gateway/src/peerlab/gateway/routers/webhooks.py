"""LMS webhook administration (admins): endpoints, secrets, delivery log, redelivery, recovery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from peerlab.chassis.auth import Principal, Role, require_roles
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.contracts import EVENT_MODELS
from peerlab.chassis import clock
from peerlab.gateway import repository
from peerlab.gateway.models import WebhookDelivery, WebhookEndpoint
from peerlab.gateway.schemas import (
    AttemptPublic,
    DeliveryPublic,
    EndpointCreate,
    EndpointPublic,
    EndpointSecret,
    EndpointUpdate,
    NoticePublic,
    RecoverRequest,
    RecoverResult,
    SecretRotate,
)
from peerlab.gateway.service import webhooks

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def _endpoint_public(endpoint: WebhookEndpoint) -> EndpointPublic:
    return EndpointPublic(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        event_types=[t for t in endpoint.event_types.split(",") if t],
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_at,
        rotating=len(webhooks.signing_secrets(endpoint, now=clock.now())) > 1,
    )


def _delivery_public(delivery: WebhookDelivery, attempts: list | None = None) -> DeliveryPublic:
    return DeliveryPublic(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        webhook_id=delivery.webhook_id,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        last_attempt_at=delivery.last_attempt_at,
        attempt_log=[AttemptPublic.model_validate(a, from_attributes=True) for a in attempts or []],
    )


def _allow_private(request: Request) -> bool:
    return request.app.state.settings.webhook_allow_private


@router.get("/event-types", response_model=list[str])
def event_types(_: AdminPrincipal) -> list[str]:
    return sorted(EVENT_MODELS)


@router.post("/endpoints", response_model=EndpointSecret, status_code=201)
def create_endpoint(
    body: EndpointCreate, request: Request, session: SessionDep, principal: AdminPrincipal
) -> EndpointSecret:
    endpoint = webhooks.register_endpoint(
        session,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        secret=body.secret,
        created_by=principal.sub,
        allow_private=_allow_private(request),
    )
    return EndpointSecret(id=endpoint.id, secret=endpoint.secret, previous_secret_until=None)


@router.get("/endpoints", response_model=list[EndpointPublic])
def list_endpoints(session: SessionDep, _: AdminPrincipal) -> list[EndpointPublic]:
    return [_endpoint_public(e) for e in repository.list_endpoints(session)]


@router.get("/endpoints/{endpoint_id}", response_model=EndpointPublic)
def get_endpoint(endpoint_id: str, session: SessionDep, _: AdminPrincipal) -> EndpointPublic:
    endpoint = repository.get_endpoint(session, endpoint_id)
    if endpoint is None:
        raise not_found("Webhook endpoint")
    return _endpoint_public(endpoint)


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointPublic)
def update_endpoint(
    endpoint_id: str, body: EndpointUpdate, request: Request, session: SessionDep, _: AdminPrincipal
) -> EndpointPublic:
    endpoint = webhooks.update_endpoint(
        session,
        endpoint_id=endpoint_id,
        url=body.url,
        event_types=body.event_types,
        enabled=body.enabled,
        description=body.description,
        allow_private=_allow_private(request),
    )
    return _endpoint_public(endpoint)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=EndpointSecret)
def rotate_secret(
    endpoint_id: str, body: SecretRotate, request: Request, session: SessionDep, _: AdminPrincipal
) -> EndpointSecret:
    endpoint = webhooks.rotate_secret(
        session,
        endpoint_id=endpoint_id,
        secret=body.secret,
        overlap_s=request.app.state.settings.webhook_secret_overlap_s,
    )
    return EndpointSecret(id=endpoint.id, secret=endpoint.secret, previous_secret_until=endpoint.previous_secret_until)


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(
    endpoint_id: str,
    session: SessionDep,
    _: AdminPrincipal,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryPublic]:
    return [
        _delivery_public(d)
        for d in repository.list_deliveries(session, endpoint_id=endpoint_id, status=status, limit=limit)
    ]


@router.post("/endpoints/{endpoint_id}/recover", response_model=RecoverResult)
def recover(endpoint_id: str, body: RecoverRequest, session: SessionDep, _: AdminPrincipal) -> RecoverResult:
    return RecoverResult(queued=webhooks.recover_since(session, endpoint_id=endpoint_id, since=body.since))


@router.get("/deliveries/{delivery_id}", response_model=DeliveryPublic)
def get_delivery(delivery_id: str, session: SessionDep, _: AdminPrincipal) -> DeliveryPublic:
    delivery = repository.get_delivery(session, delivery_id)
    if delivery is None:
        raise not_found("Delivery")
    return _delivery_public(delivery, repository.list_attempts(session, delivery_id))


@router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryPublic)
def redeliver(delivery_id: str, session: SessionDep, _: AdminPrincipal) -> DeliveryPublic:
    return _delivery_public(webhooks.redeliver(session, delivery_id=delivery_id))


@router.get("/notices", response_model=list[NoticePublic])
def notices(session: SessionDep, _: AdminPrincipal) -> list[NoticePublic]:
    return [NoticePublic.model_validate(n, from_attributes=True) for n in repository.list_notices(session)]
