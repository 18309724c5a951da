"""Exchange events: agenda, invited organisations, registrations, check-in, follow-up."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core import clock
from core.files import ReencodedImageField, UploadTo
from core.i18n import in_reader_language
from core.models import JobStatus, TenantModel
from core.scopes import TenantQuerySet, scope_filter
from core.validators import (
    EARLIEST_INSTANT,
    END_INSTANT,
    validate_date_range,
    validate_photo,
    validate_timezone,
)


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class EventQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> EventQuerySet:
        """A draft only its organiser; otherwise the organiser, the host and invitees."""
        # Subqueries, not joins: no duplicates, so no DISTINCT (which FOR UPDATE refuses).
        invited = EventInvitation.objects.filter(organisation=organisation).values("event_id")
        shared = ~Q(status=EventStatus.DRAFT) & (Q(host=organisation) | Q(pk__in_ids=invited))
        return self.filter(Q(organiser=organisation) | shared)

    def upcoming(self) -> EventQuerySet:
        return self.filter(ends_at__gte=clock.now()).exclude(status=EventStatus.CANCELLED)

    def with_places_taken(self) -> EventQuerySet:
        """Each event with its organiser and host, and `confirmed`: the places taken.

        A correlated subquery, not a join and GROUP BY: a paginated list's count() then
        leaves it out, and each page counts only its own events' registrations."""
        taken = (
            Registration.objects.filter(
                event=models.OuterRef("pk"), status=RegistrationStatus.CONFIRMED
            )
            .order_by()
            .values("event")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.select_related("organiser", "host").annotate(
            confirmed=Coalesce(models.Subquery(taken), 0)
        )


class Event(TenantModel):
    organiser = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="organised_events"
    )
    host = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="hosted_events",
        null=True,
        blank=True,
        verbose_name=_("host organisation"),
    )
    title_en = models.CharField(_("title in English"), max_length=200)
    title_zh = models.CharField(_("title in Chinese"), max_length=200)
    description_en = models.TextField(_("description in English"), max_length=5000, blank=True)
    description_zh = models.TextField(_("description in Chinese"), max_length=5000, blank=True)
    starts_at = models.DateTimeField(_("starts"), validators=[validate_date_range])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_date_range])
    # Validated against this machine's tzdata, not stored as choices (see validate_timezone).
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    chairperson = models.CharField(_("chairperson"), max_length=150, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_deadline = models.DateTimeField(
        _("registration deadline"), null=True, blank=True, validators=[validate_date_range]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_positive"),
            # core.validators' range, for writes that skip validation (admin, bulk, SQL).
            models.CheckConstraint(
                condition=Q(starts_at__gte=EARLIEST_INSTANT, ends_at__lt=END_INSTANT),
                name="event_times_in_range",
            ),
            models.CheckConstraint(
                condition=Q(registration_deadline__isnull=True)
                | Q(
                    registration_deadline__gte=EARLIEST_INSTANT,
                    registration_deadline__lt=END_INSTANT,
                ),
                name="event_registration_deadline_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return in_reader_language(self.title_en, self.title_zh)

    @property
    def description(self) -> str:
        return in_reader_language(self.description_en, self.description_zh)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.tz)

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.tz)

    @property
    def registration_open(self) -> bool:
        return self.registration_open_at(clock.now())

    def registration_open_at(self, now: datetime) -> bool:
        if self.status != EventStatus.PUBLISHED:
            return False
        closes = self.registration_deadline or self.starts_at
        return now < closes


class AgendaItemQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> AgendaItemQuerySet:
        return self.filter(event__in=Event.objects.visible_to(organisation))


class AgendaItem(TenantModel):
    """One line of the agenda; speakers are a list of {name, title, organisation}."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)
    time = models.TimeField(_("time"))
    title_en = models.CharField(_("title in English"), max_length=200)
    title_zh = models.CharField(_("title in Chinese"), max_length=200, blank=True)
    speakers = models.JSONField(_("speakers"), default=list, blank=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "time", "id"]

    def __str__(self) -> str:
        return f"{self.time:%H:%M} {self.title}"

    @property
    def title(self) -> str:
        return in_reader_language(self.title_en, self.title_zh)


class EventInvitationQuerySet(TenantQuerySet):
    related_reads_owned_by = {"events.Event": "organiser_id", "accounts.Organisation": "pk"}

    @scope_filter
    def visible_to(self, organisation: Organisation) -> EventInvitationQuerySet:
        """The organiser sees whom it invited; an invitee sees its own invitation."""
        organised = Event.objects.filter(organiser=organisation).values("pk")
        own = EventInvitation.objects.filter(organisation=organisation).exclude(
            event__status=EventStatus.DRAFT
        )
        return self.filter(Q(event__in_ids=organised) | Q(pk__in_ids=own.values("pk")))


class EventInvitation(TenantModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    # Indexed by invitation_by_organisation (organisation first), for visible_to.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="event_invitations", db_index=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EventInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"], name="event_invitation_unique"
            )
        ]
        # The events an organisation is invited to, from the index alone (Event.visible_to).
        indexes = [
            models.Index(fields=["organisation", "event"], name="invitation_by_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.event}"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


def _code() -> str:
    return secrets.token_urlsafe(12)


def _certificate_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


class RegistrationQuerySet(TenantQuerySet):
    related_reads_owned_by = {"events.Event": "organiser_id", "accounts.Organisation": "pk"}

    @scope_filter
    def visible_to(self, organisation: Organisation) -> RegistrationQuerySet:
        """The organiser sees every registration; an organisation sees its own people's."""
        organised = Event.objects.filter(organiser=organisation).values("pk")
        return self.filter(Q(event__in_ids=organised) | Q(organisation=organisation))

    @scope_filter
    def by_certificate_code(self, code: str) -> RegistrationQuerySet:
        """The public certificate check: the code printed on a certificate names it."""
        return self.filter(certificate_code=code)

    def active(self) -> RegistrationQuerySet:
        return self.exclude(status=RegistrationStatus.CANCELLED)


class Registration(TenantModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="event_registrations"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    email = models.EmailField(_("email address"))
    needs = models.CharField(_("dietary or access needs"), max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices)
    walk_in = models.BooleanField(default=False)
    code = models.CharField(max_length=32, unique=True, default=_code, editable=False)
    certificate_code = models.CharField(
        max_length=20, unique=True, default=_certificate_code, editable=False
    )
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled"),
                name="registration_once_per_email",
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(status="confirmed"),
                name="registration_checked_in_only_if_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} @ {self.event}"


class PhotoQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> PhotoQuerySet:
        return self.filter(event__in=Event.objects.visible_to(organisation))


class EventPhoto(TenantModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    image = ReencodedImageField(
        _("photo"),
        upload_to=UploadTo("event-photos"),
        validators=[validate_photo],
        max_pixels_setting="PHOTO_MAX_PIXELS",
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class BadgeExportQuerySet(TenantQuerySet):
    related_reads_owned_by = {"events.Event": "organiser_id"}

    @scope_filter
    def visible_to(self, organisation: Organisation) -> BadgeExportQuerySet:
        return self.filter(event__organiser=organisation)


class BadgeExport(TenantModel):
    """A badge sheet PDF rendered by a worker; the page polls its progress."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="badge_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=UploadTo("badges"), blank=True)
    error = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # core.leases
    claims = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BadgeExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Badges for {self.event} ({self.status})"
