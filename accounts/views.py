from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.forms import (
    ApiTokenForm,
    ChamberMemberForm,
    InvitationForm,
    MembershipForm,
    OrganisationCreateForm,
    OrganisationProfileForm,
)
from accounts.models import Invitation, Membership, Organisation, Role
from accounts.tenancy import SESSION_KEY, TenantMixin
from core.files import serve_private_file
from core.pagination import paginate


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in user to the organisation they used last, or to their first one."""
    memberships = Membership.objects.of_user(request.user).select_related("organisation")
    slugs = [m.organisation.slug for m in memberships]
    last = request.session.get(SESSION_KEY)
    if last in slugs:
        return redirect("dashboard", org_slug=last)
    if slugs:
        return redirect("dashboard", org_slug=slugs[0])
    return render(request, "accounts/no_organisation.html")


def org_url(name: str, organisation: Organisation, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": organisation.slug, **kwargs})


class OrganisationCreateView(LoginRequiredMixin, FormView):
    template_name = "accounts/form_page.html"
    form_class = OrganisationCreateForm
    extra_context = {
        "page_title": gettext_lazy("Set up your organisation"),
        "page_intro": gettext_lazy(
            "You will be its first admin and authorised signatory. You can invite colleagues next."
        ),
        "submit_label": gettext_lazy("Create organisation"),
    }

    def form_valid(self, form):
        if not form.submit(services.organisation_create, user=self.request.user):
            return self.form_invalid(form)
        messages.success(self.request, _("Your organisation is ready."))
        return redirect(org_url("dashboard", form.result))


class OrganisationProfileView(TenantMixin, FormView):
    required_role = Role.ADMIN
    template_name = "accounts/form_page.html"
    form_class = OrganisationProfileForm
    extra_context = {
        "page_title": gettext_lazy("Organisation profile"),
        "submit_label": gettext_lazy("Save profile"),
    }

    def get_context_data(self, **kwargs):
        kwargs["cancel_url"] = org_url("dashboard", self.organisation)
        return super().get_context_data(**kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Organisation.objects.visible_to(self.organisation).get(
            pk=self.organisation.pk
        )
        return kwargs

    def form_valid(self, form):
        if not form.submit(services.organisation_update, tenant=self.tenant):
            return self.form_invalid(form)
        messages.success(self.request, _("Profile saved."))
        return redirect(org_url("dashboard", self.organisation))


class OrganisationLogoView(TenantMixin, View):
    """Logos are uploads, and uploads are served only to those who may see them."""

    def get(self, request, org_slug: str, slug: str):
        organisation = get_object_or_404(
            Organisation.objects.visible_to(self.organisation), slug=slug
        )
        return serve_private_file(organisation.logo)


class MemberListView(TenantMixin, TemplateView):
    """The organisation's people, a page at a time, by name."""

    template_name = "accounts/member_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        people = (
            Membership.objects.visible_to(self.organisation)
            .select_related("user")
            .order_by("user__full_name", "user__email", "pk")
        )
        context["memberships"] = paginate(people, self.request.GET, per_page=50)
        context["role_choices"] = Role.choices
        if self.tenant.has_role(Role.ADMIN):
            context["invitations"] = Invitation.objects.visible_to(self.organisation).pending()
            context["invite_form"] = InvitationForm()
        return context


class MemberUpdateView(TenantMixin, View):
    required_role = Role.ADMIN

    def post(self, request, org_slug: str, pk: int):
        membership = get_object_or_404(Membership.objects.visible_to(self.organisation), pk=pk)
        form = MembershipForm(request.POST, instance=membership)
        if not form.is_valid():
            messages.error(request, _("Choose a valid role."))
        else:
            try:
                services.membership_update(
                    tenant=self.tenant,
                    membership_id=membership.pk,
                    role=form.cleaned_data["role"],
                    is_signatory=form.cleaned_data["is_signatory"],
                )
                messages.success(request, _("Saved %(name)s's role.") % {"name": membership.user})
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return redirect(org_url("member_list", self.organisation))


class MemberRemoveView(TenantMixin, View):
    def post(self, request, org_slug: str, pk: int):
        membership = get_object_or_404(Membership.objects.visible_to(self.organisation), pk=pk)
        leaving = membership.user_id == request.user.pk
        try:
            services.membership_remove(tenant=self.tenant, membership_id=membership.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(org_url("member_list", self.organisation))
        if leaving:
            messages.success(request, _("You have left %(org)s.") % {"org": self.organisation})
            return redirect("home")
        messages.success(request, _("Removed %(name)s.") % {"name": membership.user})
        return redirect(org_url("member_list", self.organisation))


class InvitationCreateView(TenantMixin, FormView):
    required_role = Role.ADMIN
    template_name = "accounts/form_page.html"
    form_class = InvitationForm
    extra_context = {
        "page_title": gettext_lazy("Invite a colleague"),
        "page_intro": gettext_lazy(
            "We email them a link that is valid for 14 days. They sign in or sign up with "
            "this address to accept."
        ),
        "submit_label": gettext_lazy("Send invitation"),
    }

    def get_context_data(self, **kwargs):
        kwargs["cancel_url"] = org_url("member_list", self.organisation)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        if not form.submit(services.invitation_create, tenant=self.tenant):
            return self.form_invalid(form)
        messages.success(
            self.request, _("Invitation sent to %(email)s.") % {"email": form.result.email}
        )
        return redirect(org_url("member_list", self.organisation))


class InvitationRevokeView(TenantMixin, View):
    required_role = Role.ADMIN

    def post(self, request, org_slug: str, pk: int):
        invitation = get_object_or_404(Invitation.objects.visible_to(self.organisation), pk=pk)
        try:
            services.invitation_revoke(tenant=self.tenant, invitation_id=invitation.pk)
            messages.success(request, _("Invitation withdrawn."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(org_url("member_list", self.organisation))


class InvitationAcceptView(LoginRequiredMixin, TemplateView):
    """The link in an invitation email. Signing in (or up) first is handled by login's ?next."""

    template_name = "accounts/invitation_accept.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = (
            Invitation.objects.by_token(self.kwargs["token"])
            .select_related("organisation", "invited_by")
            .first()
        )
        return context

    def post(self, request, token: str):
        try:
            membership = services.invitation_accept(user=request.user, token=token)
        except ValidationError as error:
            context = self.get_context_data(error=" ".join(error.messages))
            return self.render_to_response(context, status=400)
        messages.success(
            request, _("Welcome to %(org)s.") % {"org": membership.organisation.display_name}
        )
        return HttpResponseRedirect(org_url("dashboard", membership.organisation))


@method_decorator(reauthentication_required, name="post")
class ApiTokenView(LoginRequiredMixin, TemplateView):
    """An integrator's personal token for the REST API (Authorization: Token <key>).

    Minting one asks for the password again: a stolen session must not become a lasting key.
    """

    template_name = "accounts/api_token.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["token"] = Token.objects.filter(user=self.request.user).first()
        return context

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return redirect("api_token")
        Token.objects.filter(user=request.user).delete()
        if form.cleaned_data["action"] != "revoke":
            Token.objects.create(user=request.user)
            messages.success(request, _("A new API token was created. The old one stops working."))
        else:
            messages.success(request, _("Your API token was revoked."))
        return redirect("api_token")


class ChamberMemberCreateView(TenantMixin, FormView):
    required_role = Role.STAFF
    template_name = "accounts/form_page.html"
    form_class = ChamberMemberForm
    extra_context = {
        "page_title": gettext_lazy("Add a member organisation"),
        "page_intro": gettext_lazy(
            "Add an enterprise or university to the chamber's network. We invite its contact "
            "to manage it; until then, only its profile exists."
        ),
        "submit_label": gettext_lazy("Add and invite"),
    }

    def check_tenant(self) -> None:
        if not self.organisation.is_chamber:
            raise Http404

    def get_context_data(self, **kwargs):
        kwargs["cancel_url"] = org_url("dashboard", self.organisation)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        if not form.submit(services.chamber_member_onboard, tenant=self.tenant):
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(org)s joined the network; its contact has been invited.")
            % {"org": form.result.member.display_name},
        )
        return redirect(org_url("dashboard", self.organisation))
