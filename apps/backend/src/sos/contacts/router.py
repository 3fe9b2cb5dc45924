"""The signed-in user's contact methods, notification rules and quiet hours. Every role manages its own, and only its
own: another user's contact method is a 404, exactly like one that does not exist."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Path, Response, status

from sos.auth.dependencies import CurrentPrincipal
from sos.contacts import service
from sos.contacts.dependencies import AddressPolicyDep, SecretBoxDep
from sos.contacts.schemas import (
    ContactMethodIn,
    ContactMethodRead,
    LabelIn,
    NotificationQueued,
    NotificationRules,
    QuietHoursIn,
    QuietHoursRead,
    RuleIn,
    VerifyIn,
    WebPushKey,
)
from sos.core.dependencies import UnitOfWorkDep
from sos.notifications.domain import Urgency

router = APIRouter(prefix="/me", tags=["contacts"])

METHODS = "/contact-methods"
ONE_METHOD = METHODS + "/{contact_method_id}"

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "You have no such contact method"}}
_TOO_SOON: Responses = {429: {"description": "One was sent moments ago; Retry-After says when to ask again"}}
_QUEUED = "The message is queued; its delivery shows in the notification log"


@router.get(METHODS, operation_id="list_my_contact_methods", summary="List your contact methods")
async def list_my_contact_methods(principal: CurrentPrincipal, uow: UnitOfWorkDep) -> list[ContactMethodRead]:
    return await service.list_methods(uow, principal)


@router.post(
    METHODS,
    status_code=status.HTTP_201_CREATED,
    operation_id="add_my_contact_method",
    summary="Add a contact method; all but push targets are sent a verification code",
    responses={
        409: {"description": "You already have this address, or as many contact methods as allowed"},
        422: {"description": "An invalid address, phone number, push subscription or webhook URL"},
    },
)
async def add_my_contact_method(
    body: Annotated[ContactMethodIn, Body()],
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    policy: AddressPolicyDep,
    response: Response,
) -> ContactMethodRead:
    method = await service.add_method(uow, principal, body, policy)
    response.headers["Location"] = f"/api/v1/me{METHODS}/{method.id}"
    return method


MethodId = Annotated[UUID, Path(description="One of your contact methods")]


@router.patch(
    ONE_METHOD,
    operation_id="relabel_my_contact_method",
    summary="Rename one of your contact methods",
    responses=_NOT_FOUND,
)
async def relabel_my_contact_method(
    contact_method_id: MethodId, body: LabelIn, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> ContactMethodRead:
    return await service.relabel(uow, principal, contact_method_id, body.label)


@router.delete(
    ONE_METHOD,
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="remove_my_contact_method",
    summary="Remove one of your contact methods, and the notification rule steps that use it",
    responses=_NOT_FOUND,
)
async def remove_my_contact_method(
    contact_method_id: MethodId, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> None:
    await service.remove(uow, principal, contact_method_id)


@router.post(
    ONE_METHOD + "/verify",
    operation_id="verify_my_contact_method",
    summary="Verify a contact method with the code sent to it; verifying a verified one changes nothing",
    responses={
        **_NOT_FOUND,
        422: {"description": "The code is wrong (with the tries left), expired, or used up: `reason` says which"},
    },
)
async def verify_my_contact_method(
    contact_method_id: MethodId, body: VerifyIn, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> ContactMethodRead:
    return await service.verify(uow, principal, contact_method_id, body.code)


@router.post(
    ONE_METHOD + "/resend-code",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="resend_my_contact_method_code",
    summary="Send a new verification code, voiding the previous one",
    response_description=_QUEUED,
    responses={**_NOT_FOUND, 409: {"description": "The contact method is already verified"}, **_TOO_SOON},
)
async def resend_my_contact_method_code(
    contact_method_id: MethodId, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> NotificationQueued:
    return NotificationQueued(notification_id=await service.resend_code(uow, principal, contact_method_id))


@router.post(
    ONE_METHOD + "/test",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="test_my_contact_method",
    summary="Send a test message to a verified contact method",
    response_description=_QUEUED,
    responses={
        **_NOT_FOUND,
        409: {"description": "The contact method is not verified, opted out or disabled: `reason` says which"},
        **_TOO_SOON,
    },
)
async def test_my_contact_method(
    contact_method_id: MethodId, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> NotificationQueued:
    return NotificationQueued(notification_id=await service.send_test(uow, principal, contact_method_id))


@router.get(
    "/notification-rules",
    operation_id="get_my_notification_rules",
    summary="How pages reach you, per urgency",
)
async def get_my_notification_rules(principal: CurrentPrincipal, uow: UnitOfWorkDep) -> NotificationRules:
    return await service.get_rules(uow, principal)


@router.put(
    "/notification-rules/{urgency}",
    operation_id="replace_my_notification_rule",
    summary="Replace your notification rule for one urgency; an empty list of steps removes it",
    responses={422: {"description": "A step names no verified contact method of yours, or steps are out of order"}},
)
async def replace_my_notification_rule(
    urgency: Annotated[Urgency, Path(description="Critical rules also ring through quiet hours")],
    body: RuleIn,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
) -> NotificationRules:
    return await service.replace_rule(uow, principal, urgency, body)


@router.get("/quiet-hours", operation_id="get_my_quiet_hours", summary="Your quiet hours")
async def get_my_quiet_hours(principal: CurrentPrincipal, uow: UnitOfWorkDep) -> QuietHoursRead:
    return await service.get_quiet_hours(uow, principal)


@router.put(
    "/quiet-hours",
    operation_id="set_my_quiet_hours",
    summary="Set or clear your quiet hours: critical alerts ring through them, other pages wait until they end",
    responses={422: {"description": "Only one of start and end, start equal to end, or an unknown time zone"}},
)
async def set_my_quiet_hours(body: QuietHoursIn, principal: CurrentPrincipal, uow: UnitOfWorkDep) -> QuietHoursRead:
    return await service.set_quiet_hours(uow, principal, body)


@router.get(
    "/web-push-key",
    operation_id="get_web_push_key",
    summary="The key a browser subscribes to Web Push with (its applicationServerKey)",
)
async def get_web_push_key(_principal: CurrentPrincipal, uow: UnitOfWorkDep, box: SecretBoxDep) -> WebPushKey:
    return await service.web_push_key(uow, box)
