"""Users, the organisations they work for (the tenants), memberships and invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import clock
from core.files import ReencodedImageField, UploadTo
from core.i18n import in_reader_language, reading_chinese
from core.models import TenantModel
from core.scopes import TenantQuerySet, scope_filter
from core.validators import validate_logo, validate_seal


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Email is the login; the name is one field, written as the person writes it."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name or self.email


class OrganisationKind(models.TextChoices):
    CHAMBER = "chamber", _("Chamber of commerce")
    UNIVERSITY = "university", _("University")
    ENTERPRISE = "enterprise", _("Enterprise")


class Sector(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    INFORMATION_TECHNOLOGY = "information_technology", _("Information technology")
    FINANCE = "finance", _("Finance")
    LOGISTICS = "logistics", _("Logistics")
    EDUCATION_SERVICES = "education_services", _("Education services")
    HEALTHCARE = "healthcare", _("Healthcare")
    CONSTRUCTION = "construction", _("Construction")
    RETAIL = "retail", _("Retail")
    ENERGY = "energy", _("Energy")
    OTHER = "other", _("Other")


class OrganisationQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> OrganisationQuerySet:
        """An organisation sees itself, its chamber(s) and, for a chamber, its members."""
        links = ChamberMembership.objects
        return self.filter(
            Q(pk=organisation.pk)
            | Q(pk__in_ids=links.filter(chamber=organisation).values("member_id"))
            | Q(pk__in_ids=links.filter(member=organisation).values("chamber_id"))
        )


class Organisation(TenantModel):
    """A tenant: a chamber of commerce, a university or an enterprise."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name_en = models.CharField(_("name in English"), max_length=200)
    name_zh = models.CharField(_("name in Chinese"), max_length=200)
    slug = models.SlugField(
        _("web address"),
        max_length=60,
        unique=True,
        help_text=_("Lower-case letters, digits and hyphens; used in the organisation's links."),
        validators=[
            RegexValidator(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                _("Use lower-case letters, digits and single hyphens."),
            )
        ],
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("short description"), max_length=2000, blank=True)
    logo = ReencodedImageField(
        _("logo"),
        upload_to=UploadTo("logos"),
        blank=True,
        validators=[validate_logo],
        max_pixels_setting="LOGO_MAX_PIXELS",
    )
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices, blank=True)
    seal = ReencodedImageField(
        _("electronic seal (公章)"),
        upload_to=UploadTo("seals"),
        blank=True,
        validators=[validate_seal],
        max_pixels_setting="SEAL_MAX_PIXELS",
        help_text=_(
            "A PNG with a transparent background works best. Placed beside your "
            "signatory's name when they sign an agreement."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=OrganisationKind.ENTERPRISE, sector__gt="")
                | (~Q(kind=OrganisationKind.ENTERPRISE) & Q(sector="")),
                name="organisation_sector_only_for_enterprises",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the interface language, falling back to the other script."""
        return in_reader_language(self.name_en, self.name_zh)

    @property
    def other_name(self) -> str:
        other = self.name_en if reading_chinese() else self.name_zh
        return "" if other == self.display_name else other

    @property
    def is_chamber(self) -> bool:
        return self.kind == OrganisationKind.CHAMBER


class ChamberMembershipQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> ChamberMembershipQuerySet:
        return self.filter(Q(chamber=organisation) | Q(member=organisation))


class ChamberMembership(TenantModel):
    """An enterprise or university that belongs to a chamber's network, since a date."""

    chamber = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="member_organisations"
    )
    member = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="chamber_memberships"
    )
    joined_on = models.DateField(_("joined on"))

    objects = ChamberMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("chamber membership")
        verbose_name_plural = _("chamber memberships")
        ordering = ["member__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["chamber", "member"], name="chamber_member_unique"),
            models.CheckConstraint(
                condition=~Q(chamber=models.F("member")), name="chamber_member_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.chamber}"


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.VIEWER: 1, Role.STAFF: 2, Role.ADMIN: 3}


class MembershipQuerySet(TenantQuerySet):
    related_reads_owned_by = {"accounts.Organisation": "pk"}

    @scope_filter
    def visible_to(self, organisation: Organisation) -> MembershipQuerySet:
        return self.filter(organisation=organisation)

    @scope_filter
    def of_user(self, user: User) -> MembershipQuerySet:
        """A person's own memberships: what the organisation switcher lists."""
        return self.filter(user=user, user__is_active=True)


class Membership(TenantModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    is_signatory = models.BooleanField(
        _("authorised signatory"),
        default=False,
        help_text=_("May sign agreements on the organisation's behalf."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name_en", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return clock.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(TenantQuerySet):
    related_reads_owned_by = {"accounts.Organisation": "pk"}

    @scope_filter
    def visible_to(self, organisation: Organisation) -> InvitationQuerySet:
        return self.filter(organisation=organisation)

    @scope_filter
    def by_token(self, token: str) -> InvitationQuerySet:
        """The invitation a secret link names, whoever follows it (the link is the key)."""
        return self.filter(token=token)

    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=clock.now()
        )


class Invitation(TenantModel):
    """An admin's invitation for a colleague to join the organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    is_signatory = models.BooleanField(_("authorised signatory"), default=False)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= clock.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"

    @property
    def status_label(self) -> str:
        return {
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "pending": _("Pending"),
        }[self.status]
