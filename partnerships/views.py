from django.http import Http404
from django.views.generic import TemplateView

from accounts.models import ChamberMembership
from accounts.tenancy import TenantMixin
from core.pagination import page_query, paginate
from partnerships import selectors
from partnerships.forms import NetworkSearchForm
from partnerships.panels import panels_for


class DashboardView(TenantMixin, TemplateView):
    """One dashboard per organisation kind: the template is chosen by kind."""

    def get_template_names(self) -> list[str]:
        return [f"partnerships/dashboard_{self.organisation.kind}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.organisation
        context.update(
            panels=panels_for(self.tenant),
            chambers=ChamberMembership.objects.visible_to(organisation)
            .filter(member=organisation)
            .select_related("chamber")
            .order_by("chamber__name_en"),
            **selectors.dashboard_people(tenant=self.tenant),
        )
        if organisation.is_chamber:
            context.update(selectors.network_summary(chamber=organisation))
        return context


class NetworkListView(TenantMixin, TemplateView):
    """A chamber's member organisations, a page at a time, searchable by name."""

    template_name = "partnerships/network_list.html"

    def check_tenant(self) -> None:
        if not self.organisation.is_chamber:
            raise Http404

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = NetworkSearchForm(self.request.GET)
        name = form.chosen()
        context.update(
            form=form,
            name=name,
            network=paginate(
                selectors.network_members(chamber=self.organisation, name=name), self.request.GET
            ),
            page_query=page_query(q=name),
        )
        return context
