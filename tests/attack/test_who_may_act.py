"""The drafter rule is checked when a draft is sent, not when a sent
agreement's text changes.

agreement_send re-checks check_drafter ("a party that has since left the chamber's
network is not sent on the drafter's word"). agreement_update does not: once an
enterprise has left the chamber's network, the chamber — no longer entitled to put a
request to it — can still rewrite the text of an agreement in signing, which voids the
signatures and asks the enterprise's signatory again, on the chamber's word, to sign
the new version "on behalf of" the enterprise.
"""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import ChamberMembership
from agreements import services
from tests.conftest import tenant_of


def test_a_chamber_cannot_push_a_new_version_to_a_party_that_left_its_network(
    sent, chamber_staff, enterprise
):
    ChamberMembership.objects.filter(member=enterprise).delete()  # it left the network
    versions = sent.versions.count()

    with pytest.raises(ValidationError):
        services.agreement_update(
            tenant=tenant_of(chamber_staff),
            agreement_id=sent.pk,
            body="<p>New terms the enterprise never discussed with us.</p>",
        )

    assert sent.versions.count() == versions
