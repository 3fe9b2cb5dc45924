"""Public routes the delivery providers call. No bearer token: each request carries the provider's signature."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response

from sos.core.dependencies import ContainerDep, UnitOfWorkDep
from sos.core.errors import PayloadTooLarge
from sos.inbound import service
from sos.inbound.schemas import ACK_TOKEN_MAX_CHARS, MAX_WEBHOOK_BYTES, GatewayReply
from sos.inbound.service import SignedRequest
from sos.providers.channels.twilio import twiml_message, twiml_say

router = APIRouter(prefix="/webhooks/providers", tags=["webhooks"])

TWIML = "application/xml"
_SIGNED: dict[int | str, dict[str, Any]] = {
    403: {"description": "The signature is missing, stale or wrong"},
    404: {"description": "No such enabled provider, or it takes no such webhook"},
}
TwilioSignature = Annotated[str | None, Header(alias="X-Twilio-Signature", max_length=200)]
GatewaySignature = Annotated[str | None, Header(alias="X-SOS-Signature", max_length=200)]
GatewayTimestamp = Annotated[str | None, Header(alias="X-SOS-Timestamp", max_length=20)]


async def _signed(
    request: Request,
    container: ContainerDep,
    twilio_signature: TwilioSignature = None,
    gateway_signature: GatewaySignature = None,
    gateway_timestamp: GatewayTimestamp = None,
) -> SignedRequest:
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise PayloadTooLarge(f"A webhook body may hold {MAX_WEBHOOK_BYTES} bytes.", max_bytes=MAX_WEBHOOK_BYTES)
    # The URL the provider signed is the one the install gave it, not what the Host header says behind a proxy.
    url = container.settings.external_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return SignedRequest(
        url=url,
        body=body,
        twilio_signature=twilio_signature,
        gateway_signature=gateway_signature,
        gateway_timestamp=gateway_timestamp,
    )


@router.post(
    "/{provider_id}/status",
    operation_id="receive_provider_status",
    summary="Take a provider's delivery receipt for a message or call",
    status_code=204,
    response_class=Response,
    responses=_SIGNED,
)
async def receive_provider_status(
    provider_id: UUID,
    request: Request,
    container: ContainerDep,
    uow: UnitOfWorkDep,
    twilio_signature: TwilioSignature = None,
    gateway_signature: GatewaySignature = None,
    gateway_timestamp: GatewayTimestamp = None,
) -> Response:
    signed = await _signed(request, container, twilio_signature, gateway_signature, gateway_timestamp)
    await service.receive_status(uow, provider_id, signed)
    return Response(status_code=204)


@router.post(
    "/{provider_id}/inbound",
    operation_id="receive_provider_sms",
    summary="Take an SMS a user sent to the provider's number, such as 1 or ACK <code>, and answer it",
    response_model=GatewayReply,
    responses={
        **_SIGNED,
        200: {
            "description": "TwiML with the reply for Twilio; JSON for an SMS gateway",
            "content": {TWIML: {}},
        },
    },
)
async def receive_provider_sms(
    provider_id: UUID,
    request: Request,
    container: ContainerDep,
    uow: UnitOfWorkDep,
    twilio_signature: TwilioSignature = None,
    gateway_signature: GatewaySignature = None,
    gateway_timestamp: GatewayTimestamp = None,
) -> Response | GatewayReply:
    signed = await _signed(request, container, twilio_signature, gateway_signature, gateway_timestamp)
    reply = await service.receive_sms(uow, provider_id, signed)
    if reply.kind == "twilio":
        return Response(twiml_message(reply.text), media_type=TWIML)
    return GatewayReply(reply=reply.text)


@router.post(
    "/{provider_id}/voice",
    operation_id="receive_provider_keypress",
    summary="Take the key a user pressed during an alert call; 1 acknowledges the alert",
    response_class=Response,
    responses={**_SIGNED, 200: {"description": "TwiML that says the outcome", "content": {TWIML: {}}}},
)
async def receive_provider_keypress(
    provider_id: UUID,
    request: Request,
    container: ContainerDep,
    uow: UnitOfWorkDep,
    token: Annotated[str, Query(min_length=1, max_length=ACK_TOKEN_MAX_CHARS, description="The call's ack token")],
    twilio_signature: TwilioSignature = None,
) -> Response:
    signed = await _signed(request, container, twilio_signature)
    spoken = await service.receive_keypress(uow, provider_id, signed, token)
    return Response(twiml_say(spoken.text, spoken.language), media_type=TWIML)
