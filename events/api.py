"""Events API: events, agenda, invitations, registrations, check-in; scoped like the pages."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation, Role
from accounts.tenancy import TenantAPIMixin
from core.api import ModelSerializer
from events import selectors, services
from events.models import AgendaItem, Event, EventInvitation, Registration
from events.services import registration_check_in, registration_create


class SpeakerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    title = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default=""
    )


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:30"}
)
class AgendaTimeField(serializers.TimeField):
    """A wall-clock time in the event's zone, "09:30". Declared as a pattern, not as the
    schema's "time" format, which is RFC 3339's full-time and needs an offset."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class AgendaItemSerializer(ModelSerializer):
    speakers = SpeakerSerializer(many=True, required=False, default=list)
    time = AgendaTimeField()

    class Meta:
        model = AgendaItem
        fields = ["time", "title_en", "title_zh", "speakers"]


class EventSerializer(ModelSerializer):
    organiser = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    host = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.none(), required=False, allow_null=True
    )
    agenda = AgendaItemSerializer(source="agenda_items", many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "organiser",
            *services.EVENT_FIELDS,
            "status",
            "cancellation_reason",
            "agenda",
        ]
        read_only_fields = ["status", "cancellation_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = self.context.get("tenant")
        if tenant is not None:
            # Scoped: a host can only be an organisation in the tenant's own network.
            self.fields["host"].queryset = selectors.invitable_organisations(tenant=tenant)


class InvitationSerializer(ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = EventInvitation
        fields = ["id", "organisation", "created_at", "sent_at"]


class InviteSerializer(serializers.Serializer):
    organisations = serializers.ListField(
        child=serializers.SlugField(), min_length=1, max_length=500
    )


class RegistrationSerializer(ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "organisation",
            "full_name",
            "job_title",
            "email",
            "needs",
            "status",
            "walk_in",
            "created_at",
            "checked_in_at",
        ]
        read_only_fields = ["status", "walk_in", "created_at", "checked_in_at"]


class CheckInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=100)


class CheckInResultSerializer(RegistrationSerializer):
    already_checked_in = serializers.BooleanField(source="already", read_only=True)

    class Meta(RegistrationSerializer.Meta):
        fields = [*RegistrationSerializer.Meta.fields, "already_checked_in"]


class EventScopedMixin(TenantAPIMixin):
    write_role = Role.STAFF
    organiser_only = False  # for writes; reads use the visibility rule alone

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Resolve the event before any body is validated: out of reach is 404, not 400.
        if "pk" in kwargs:
            self.event_obj = self.event(
                organiser_only=self.organiser_only and request.method not in ("GET", "HEAD")
            )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "tenant": self.tenant}

    def event(self, *, organiser_only: bool = False) -> Event:
        events = Event.objects.visible_to(self.tenant.organisation)
        if organiser_only:
            events = events.filter(organiser=self.tenant.organisation)
        return get_object_or_404(events, pk=self.kwargs["pk"])


class EventList(EventScopedMixin, generics.ListCreateAPIView):
    """Events the organisation organises, hosts or is invited to; staff create drafts."""

    serializer_class = EventSerializer

    def get_queryset(self):
        return (
            Event.objects.visible_to(self.tenant.organisation)
            .select_related("organiser", "host")
            .prefetch_related("agenda_items")
        )

    def perform_create(self, serializer):
        serializer.instance = services.event_create(tenant=self.tenant, **serializer.validated_data)


class EventDetail(EventScopedMixin, generics.RetrieveAPIView):
    serializer_class = EventSerializer

    def get_object(self):
        return self.event()


class AgendaView(EventScopedMixin, APIView):
    organiser_only = True

    @extend_schema(responses=AgendaItemSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return Response(AgendaItemSerializer(self.event().agenda_items.all(), many=True).data)

    @extend_schema(
        request=AgendaItemSerializer(many=True), responses=AgendaItemSerializer(many=True)
    )
    def put(self, request, *args, **kwargs):
        """Replace the whole agenda."""
        serializer = AgendaItemSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        items = services.agenda_replace(
            tenant=self.tenant,
            event_id=self.event(organiser_only=True).pk,
            items=[dict(item) for item in serializer.validated_data],
        )
        return Response(AgendaItemSerializer(items, many=True).data)


class InvitationList(EventScopedMixin, APIView):
    """The organiser's invitations; POST invites organisations of its network by slug."""

    organiser_only = True

    @extend_schema(responses=InvitationSerializer(many=True))
    def get(self, request, *args, **kwargs):
        event = self.event(organiser_only=True)
        invitations = event.invitations.select_related("organisation")
        return Response(InvitationSerializer(invitations, many=True).data)

    @extend_schema(request=InviteSerializer, responses={201: InvitationSerializer(many=True)})
    def post(self, request, *args, **kwargs):
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slugs = set(serializer.validated_data["organisations"])
        ids = list(
            selectors.invitable_organisations(tenant=self.tenant)
            .filter(slug__in=slugs)
            .values_list("pk", flat=True)
        )
        if len(ids) != len(slugs):
            raise serializers.ValidationError(
                {"organisations": ["You can only invite organisations in your network."]}
            )
        created = services.event_invite(
            tenant=self.tenant, event_id=self.event(organiser_only=True).pk, organisation_ids=ids
        )
        return Response(
            InvitationSerializer(created, many=True).data, status=status.HTTP_201_CREATED
        )


class RegistrationList(EventScopedMixin, generics.ListCreateAPIView):
    """Registrations the organisation may see; POST registers a person from it."""

    serializer_class = RegistrationSerializer
    write_role = Role.VIEWER

    def get_queryset(self):
        return (
            Registration.objects.visible_to(self.tenant.organisation)
            .filter(event=self.event())
            .select_related("organisation")
        )

    def perform_create(self, serializer):
        serializer.instance = registration_create(
            tenant=self.tenant, event_id=self.event().pk, **serializer.validated_data
        )


class CheckInView(EventScopedMixin, APIView):
    organiser_only = True

    @extend_schema(request=CheckInSerializer, responses=CheckInResultSerializer)
    def post(self, request, *args, **kwargs):
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = registration_check_in(
            tenant=self.tenant,
            event_id=self.event(organiser_only=True).pk,
            code=serializer.validated_data["code"],
        )
        registration = result.registration
        registration.already = result.already
        return Response(CheckInResultSerializer(registration).data)
