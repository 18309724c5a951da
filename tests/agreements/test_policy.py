"""agreements.policy: a page shows a step exactly when the service behind it would take it.

For each state an agreement passes through and each kind of reader (the drafter's
staff, viewer and admin; the named signatories; a party's staff, viewer and
non-signatory admin), the policy's answer for every step is compared with what the
service does when asked, inside a savepoint that is rolled back.
"""

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Role
from agreements import services
from agreements.models import Agreement, SigningOrder
from agreements.policy import agreement_policy
from core import clock
from tests.factories import MembershipFactory, tenant_of

REFUSED = (ObjectDoesNotExist, PermissionDenied, ValidationError)
STATES = {
    "draft": {},
    "sent": {"sent": True},
    "sequential": {"sent": True, "signing_order": SigningOrder.SEQUENTIAL},
    "partially_signed": {"partially_signed": True},
    "signed": {"signed": True},
    "executed": {"executed": True},
    "terminating": {"executed": True},
    "declined": {"sent": True},
    "withdrawn": {"sent": True},
}


def _accepted(call) -> bool:
    savepoint = transaction.savepoint()
    try:
        call()
    except REFUSED:
        return False
    finally:
        transaction.savepoint_rollback(savepoint)
    return True


def _steps(tenant, agreement) -> dict:
    pk = agreement.pk
    version = agreement.current_version
    return {
        "send": lambda: services.agreement_send(tenant=tenant, agreement_id=pk),
        "withdraw": lambda: services.agreement_withdraw(tenant=tenant, agreement_id=pk),
        "edit": lambda: services.agreement_update(
            tenant=tenant, agreement_id=pk, reminder_days=agreement.reminder_days % 60 + 1
        ),
        "decline": lambda: services.agreement_decline(
            tenant=tenant, agreement_id=pk, reason="Not now"
        ),
        "sign": lambda: services.agreement_sign(
            tenant=tenant,
            agreement_id=pk,
            version_id=version.pk if version else 0,
            typed_name="A Signer",
            consent=True,
        ),
        "request_termination": lambda: services.agreement_termination_request(
            tenant=tenant, agreement_id=pk, reason="Ends early"
        ),
        "answer_termination": lambda: services.agreement_termination_confirm(
            tenant=tenant, agreement_id=pk
        ),
        "withdraw_termination": lambda: services.agreement_termination_withdraw(
            tenant=tenant, agreement_id=pk
        ),
    }


def _bring_to(state, agreement, chamber_staff, university_signer, enterprise_signer) -> None:
    if state == "terminating":
        services.agreement_termination_request(
            tenant=tenant_of(university_signer), agreement_id=agreement.pk, reason="Ends early"
        )
    elif state == "declined":
        services.agreement_decline(
            tenant=tenant_of(enterprise_signer), agreement_id=agreement.pk, reason="No"
        )
    elif state == "withdrawn":
        services.agreement_withdraw(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)


@pytest.mark.parametrize("state", list(STATES))
def test_the_policy_says_yes_exactly_when_the_service_does(
    state, draft, chamber, enterprise, chamber_staff, university_signer, enterprise_signer
):
    overrides = dict(STATES[state])
    if "executed" in overrides:
        overrides["effective_date"] = clock.today()  # in force now
    agreement = draft(**overrides)
    _bring_to(state, agreement, chamber_staff, university_signer, enterprise_signer)
    readers = {
        "chamber staff (drafter)": chamber_staff,
        "chamber viewer": MembershipFactory(organisation=chamber, role=Role.VIEWER),
        "chamber admin": MembershipFactory(organisation=chamber, role=Role.ADMIN),
        "university signatory (admin)": university_signer,
        "enterprise signatory": enterprise_signer,
        "enterprise staff": MembershipFactory(organisation=enterprise, role=Role.STAFF),
        "enterprise viewer": MembershipFactory(organisation=enterprise, role=Role.VIEWER),
        "enterprise admin, not signatory": MembershipFactory(
            organisation=enterprise, role=Role.ADMIN
        ),
    }
    differences, allowed = [], 0
    for name, member in readers.items():
        if not Agreement.objects.visible_to(member.organisation).filter(pk=agreement.pk).exists():
            continue  # a draft is the drafter's: the others get a 404 before any step
        tenant = tenant_of(member)
        fresh = Agreement.objects.get(pk=agreement.pk)
        may = agreement_policy(tenant, fresh)
        for step, call in _steps(tenant, fresh).items():
            accepted = _accepted(call)
            allowed += accepted
            if getattr(may, step) != accepted:
                differences.append(
                    f"{name} / {step}: policy {getattr(may, step)}, service {accepted}"
                )
    assert not differences, differences
    assert allowed or state in ("declined", "withdrawn")  # the comparison saw real yeses
