"""The one place that turns a request, an API call or a task into "acting user + organisation".

Every organisation page lives under /o/<org_slug>/. `tenant_for_request` resolves the
organisation from the slug and the user's membership; anyone who is not a member gets a
404, so private slugs do not leak. Views reach rows only through each model's
`visible_to(organisation)` queryset method, using `self.tenant.organisation`; the scope
guard (core/scopes.py) makes any other query on a tenant model raise. Resolving a tenant
names its organisation in the scope the request or task opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest
from rest_framework import permissions

from accounts.models import Membership, Organisation, Role, User
from core.scopes import scope_activate

SESSION_KEY = "current_organisation"


@dataclass(frozen=True)
class Tenant:
    """Who is acting, for which organisation, in which role."""

    user: User | None
    organisation: Organisation
    membership: Membership | None

    def has_role(self, role: str) -> bool:
        return self.membership is not None and self.membership.has_role(role)

    @property
    def is_signatory(self) -> bool:
        return self.membership is not None and self.membership.is_signatory

    # What the member's role allows anywhere in the organisation. Pages and templates read
    # these (and each app's policy for one object), never a role string.
    @property
    def may_write(self) -> bool:
        """Staff and admins create and change the organisation's records."""
        return self.has_role(Role.STAFF)

    @property
    def may_administer(self) -> bool:
        """Admins manage members, roles, signatories and the seal."""
        return self.has_role(Role.ADMIN)

    def require(self, role: str = Role.VIEWER, *, signatory: bool = False) -> None:
        if not self.has_role(role) or (signatory and not self.is_signatory):
            raise PermissionDenied


def memberships_of(user: User, *, request: object | None = None) -> list[Membership]:
    """The user's memberships with their organisations, by organisation name. Given the
    request, loaded once for it: the tenant and the organisation switcher share them."""
    cached = getattr(request, "_lastmile_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.of_user(user)
            .select_related("organisation")
            .order_by("organisation__name_en", "pk")
        )
        if request is not None:
            request._lastmile_memberships = cached
    return cached


def tenant_for_user(user: User, org_slug: str, *, request: object | None = None) -> Tenant:
    """The user's tenant for an organisation slug, or Http404 if they are not a member."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    memberships = memberships_of(user, request=request)
    membership = next((m for m in memberships if m.organisation.slug == org_slug), None)
    if membership is None:
        raise Http404
    scope_activate(membership.organisation)
    return Tenant(user=user, organisation=membership.organisation, membership=membership)


def tenant_for_request(request: HttpRequest, org_slug: str) -> Tenant:
    tenant = tenant_for_user(request.user, org_slug, request=request)
    if request.session.get(SESSION_KEY) != tenant.organisation.slug:
        request.session[SESSION_KEY] = tenant.organisation.slug
    return tenant


def tenant_for_task(*, organisation_id: int, user_id: int | None = None) -> Tenant:
    """A task's way in: the organisation by id and, if given, the acting member.

    A task runs with no request, so it names its organisation (and acting user) by id;
    an acting user who has since left the organisation is refused like a request would be.
    """
    organisation = Organisation.objects.across_tenants("a task names its organisation").get(
        pk=organisation_id
    )
    scope_activate(organisation)
    if user_id is None:
        return Tenant(user=None, organisation=organisation, membership=None)
    membership = (
        Membership.objects.visible_to(organisation)
        .select_related("user")
        .filter(user_id=user_id)
        .first()
    )
    if membership is None:
        raise PermissionDenied("The acting user is no longer a member of this organisation.")
    return Tenant(user=membership.user, organisation=organisation, membership=membership)


class TenantMixin(LoginRequiredMixin):
    """For views under /o/<org_slug>/: sets self.tenant, enforces the declared needs."""

    required_role: str = Role.VIEWER
    requires_signatory: bool = False
    tenant: Tenant

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tenant = tenant_for_request(request, kwargs["org_slug"])
        self.check_tenant()  # first: a route that does not exist here is 404 for everyone
        self.tenant.require(self.required_role, signatory=self.requires_signatory)
        try:
            return super().dispatch(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            # Services reach rows through visible_to(); a row out of reach is a 404.
            raise Http404 from exc

    def check_tenant(self) -> None:
        """Hook for views that only exist for some organisations (raise Http404)."""

    @property
    def organisation(self) -> Organisation:
        return self.tenant.organisation

    def get_context_data(self, **kwargs):
        kwargs.setdefault("tenant", self.tenant)
        kwargs.setdefault("organisation", self.tenant.organisation)
        return super().get_context_data(**kwargs)


class TenantAPIMixin:
    """For DRF views under /api/v1/organisations/<org_slug>/: the same resolution."""

    required_role: str = Role.VIEWER
    write_role: str = Role.STAFF
    tenant: Tenant

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tenant = tenant_for_user(request.user, kwargs["org_slug"])
        needed = self.required_role
        if request.method not in permissions.SAFE_METHODS:
            needed = self.write_role
        if not self.tenant.has_role(needed):
            self.permission_denied(request, message="Your role does not allow this.")
