"""factory_boy factories for the tests, one module per app; import them from here.

Accounts rows are made as rows. Events and agreements are made through their services,
each step committed as a request would be (`committed()`), so that a factory's states are
the product's own: `EventFactory(published=True)`, `RegistrationFactory(checked_in=True)`,
`AgreementFactory(signed=True)`.
"""

from tests.factories.accounts import (
    PASSWORD,
    ChamberMembershipFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.factories.agreements import BODY, AgreementFactory, AgreementTemplateFactory, sign
from tests.factories.base import committed, tenant_of
from tests.factories.events import (
    EventFactory,
    EventInvitationFactory,
    RegistrationFactory,
    full_event,
    organiser_member,
    register,
)

__all__ = [
    "BODY",
    "PASSWORD",
    "AgreementFactory",
    "AgreementTemplateFactory",
    "ChamberMembershipFactory",
    "EventFactory",
    "EventInvitationFactory",
    "InvitationFactory",
    "MembershipFactory",
    "OrganisationFactory",
    "RegistrationFactory",
    "UserFactory",
    "committed",
    "full_event",
    "organiser_member",
    "register",
    "sign",
    "tenant_of",
]
