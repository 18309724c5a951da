from django.views.generic import TemplateView

from accounts.models import ChamberMembership, Invitation, Membership, Role
from accounts.tenancy import TenantMixin
from partnerships.panels import panels_for


class DashboardView(TenantMixin, TemplateView):
    """One dashboard per organisation kind: the template is chosen by kind."""

    def get_template_names(self) -> list[str]:
        return [f"partnerships/dashboard_{self.organisation.kind}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.organisation
        memberships = Membership.objects.visible_to(organisation).select_related("user")
        network = ChamberMembership.objects.visible_to(organisation).select_related(
            "chamber", "member"
        )
        context.update(
            panels=panels_for(self.tenant),
            members=memberships,
            member_count=len(memberships),
            signatory_count=sum(1 for m in memberships if m.is_signatory),
            network=network.filter(chamber=organisation),
            chambers=network.filter(member=organisation),
            pending_invitations=(
                Invitation.objects.visible_to(organisation).pending()
                if self.tenant.has_role(Role.ADMIN)
                else Invitation.objects.none()
            ),
        )
        if organisation.is_chamber:
            context["network_by_kind"] = _count_by(
                context["network"], lambda link: link.member.get_kind_display()
            )
            context["network_by_sector"] = _count_by(
                [link for link in context["network"] if link.member.sector],
                lambda link: link.member.get_sector_display(),
            )
        return context


def _count_by(items, key) -> list[tuple[str, int, int]]:
    """(label, count, percent of the largest) rows for a bar chart, largest first."""
    counts: dict[str, int] = {}
    for item in items:
        label = str(key(item))
        counts[label] = counts.get(label, 0) + 1
    largest = max(counts.values(), default=1)
    return [
        (label, count, round(count * 100 / largest))
        for label, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]
