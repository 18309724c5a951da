"""Agreements API: agreements, parties, status, documents and the audit trail.

Scoped like the pages (Agreement.objects.visible_to). Integrators may draft, send and
withdraw; signing happens only in the browser, where the signatory reads the document
and consents.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Sector
from accounts.tenancy import TenantAPIMixin
from agreements import selectors, services
from agreements.audit import audit_verify
from agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AuditEntry,
    FocusArea,
    Signature,
    SigningOrder,
)
from core.api import DateTimeField, ModelSerializer, error_response
from core.models import JobStatus
from core.validators import validate_date_range


class PartySerializer(serializers.Serializer):
    organisation = serializers.CharField(source="organisation.slug")
    name = serializers.CharField(source="organisation.name_en")
    signatory = serializers.CharField(source="signatory.full_name")
    order = serializers.IntegerField()
    status = serializers.CharField()
    decline_reason = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    sha256 = serializers.CharField()
    render_status = serializers.CharField()
    created_at = DateTimeField()
    superseded_at = DateTimeField(allow_null=True)  # the current version has none
    pdf_url = serializers.SerializerMethodField()

    def get_pdf_url(self, version) -> str | None:
        if version.render_status != JobStatus.DONE:
            return None
        tenant = self.context["tenant"]
        return self.context["request"].build_absolute_uri(
            reverse(
                "agreement_version_pdf",
                kwargs={
                    "org_slug": tenant.organisation.slug,
                    "pk": version.agreement_id,
                    "number": version.number,
                },
            )
        )


class AgreementSerializer(ModelSerializer):
    drafted_by = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    signatures = serializers.SerializerMethodField()
    final_pdf_url = serializers.SerializerMethodField()
    # Blank for agreements not tied to one enterprise's sector: say so in the schema.
    sector = serializers.ChoiceField(choices=Sector.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "drafted_by",
            *services.AGREEMENT_FIELDS,
            "status",
            "status_reason",
            "parties",
            "versions",
            "signatures",
            "final_sha256",
            "final_pdf_url",
            "created_at",
            "sent_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_signatures(self, agreement) -> list[dict]:
        # Valid signatures, prefetched with the parties (one query for the whole page).
        rows = [row for party in agreement.parties.all() for row in party.valid_signatures]
        return [
            {
                "organisation": row.organisation.slug,
                "signer": row.typed_name,
                "signed_at": row.signed_at.isoformat(),
                "version": row.version.number,
                "document_sha256": row.document_sha256,
            }
            for row in sorted(rows, key=lambda row: row.signed_at)
        ]

    def get_final_pdf_url(self, agreement) -> str | None:
        if agreement.final_status != JobStatus.DONE:
            return None
        tenant = self.context["tenant"]
        return self.context["request"].build_absolute_uri(
            reverse(
                "agreement_final_pdf",
                kwargs={"org_slug": tenant.organisation.slug, "pk": agreement.pk},
            )
        )


class DraftPartySerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    signatory_id = serializers.IntegerField(required=False, allow_null=True)


class DraftSerializer(serializers.Serializer):
    title_en = serializers.CharField(max_length=200)
    title_zh = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=AgreementKind.choices, required=False)
    focus_areas = serializers.ListField(
        child=serializers.ChoiceField(choices=FocusArea.choices), required=False, default=list
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=20
    )
    effective_date = serializers.DateField(validators=[validate_date_range])
    end_date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_date_range]
    )
    term_months = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=600
    )
    signing_order = serializers.ChoiceField(
        choices=SigningOrder.choices, default=SigningOrder.PARALLEL
    )
    reminder_days = serializers.IntegerField(default=3, min_value=1, max_value=60)
    template_version = serializers.IntegerField(required=False, allow_null=True, default=None)
    body = serializers.CharField(required=False, allow_null=True, default=None, max_length=100_000)
    parties = DraftPartySerializer(many=True, min_length=2, max_length=20)


class AgreementFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgreementStatus.choices, required=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AgreementScopedMixin(TenantAPIMixin):
    def get_serializer_context(self):
        return {"request": self.request, "view": self, "tenant": self.tenant}

    def agreements(self):
        signatures = Signature.objects.valid().select_related("organisation", "version")
        visible = Agreement.objects.visible_to(self.tenant.organisation)
        return visible.select_related("drafted_by").prefetch_related(
            "parties__organisation",
            "parties__signatory",
            "versions",
            Prefetch("parties__signatures", queryset=signatures, to_attr="valid_signatures"),
        )

    def agreement(self) -> Agreement:
        return get_object_or_404(self.agreements(), pk=self.kwargs["pk"])


class AgreementList(AgreementScopedMixin, generics.ListAPIView):
    """Agreements the organisation drafted or is a party to; `?status=` filters."""

    serializer_class = AgreementSerializer

    def get_queryset(self):
        agreements = self.agreements().order_by("-created_at")
        query = AgreementFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        status = query.validated_data.get("status")
        return agreements.filter(status=status) if status else agreements

    @extend_schema(parameters=[AgreementFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=DraftSerializer, responses={201: AgreementSerializer})
    def post(self, request, *args, **kwargs):
        incoming = DraftSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        candidates = selectors.party_candidates(self.tenant)
        specs = []
        for party in data.pop("parties"):
            organisation = candidates.filter(slug=party["organisation"]).first()
            if organisation is None:
                return error_response(f"Unknown party: {party['organisation']}", "invalid", 400)
            specs.append(services.PartySpec(organisation.pk, party.get("signatory_id")))
        agreement = services.agreement_draft(
            tenant=self.tenant,
            parties=specs,
            template_version_id=data.pop("template_version"),
            body=data.pop("body"),
            **data,
        )
        agreement = self.agreements().get(pk=agreement.pk)
        serializer = AgreementSerializer(agreement, context=self.get_serializer_context())
        return Response(serializer.data, status=201)


class AgreementDetail(AgreementScopedMixin, generics.RetrieveAPIView):
    serializer_class = AgreementSerializer

    def get_object(self):
        return self.agreement()


class AgreementSend(AgreementScopedMixin, APIView):
    """Send a draft for signature. Signing is deliberately not offered in the API."""

    @extend_schema(request=None, responses={200: AgreementSerializer})
    def post(self, request, *args, **kwargs):
        services.agreement_send(tenant=self.tenant, agreement_id=self.agreement().pk)
        return Response(
            AgreementSerializer(self.agreement(), context=self.get_serializer_context()).data
        )


class AgreementWithdraw(AgreementScopedMixin, APIView):
    @extend_schema(request=WithdrawSerializer, responses={200: AgreementSerializer})
    def post(self, request, *args, **kwargs):
        agreement = self.agreement()  # out of reach is 404 whatever the body
        incoming = WithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.agreement_withdraw(
            tenant=self.tenant, agreement_id=agreement.pk, reason=incoming.validated_data["reason"]
        )
        return Response(
            AgreementSerializer(self.agreement(), context=self.get_serializer_context()).data
        )


class AuditEntrySerializer(ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "sequence",
            "action",
            "actor_name",
            "organisation_name",
            "detail",
            "ip_address",
            "created_at",
            "previous_hash",
            "entry_hash",
        ]


class AuditTrailSerializer(serializers.Serializer):
    verifies = serializers.BooleanField()
    broken_at = serializers.IntegerField(
        allow_null=True, help_text="The sequence number of the first entry that does not fit."
    )
    entries = AuditEntrySerializer(many=True)


class AuditTrail(AgreementScopedMixin, APIView):
    @extend_schema(responses={200: AuditTrailSerializer})
    def get(self, request, *args, **kwargs):
        agreement = self.agreement()
        report = audit_verify(agreement)
        entries = AuditEntry.objects.visible_to(self.tenant.organisation).filter(
            agreement=agreement
        )
        trail = {"verifies": report.ok, "broken_at": report.broken_at, "entries": entries}
        return Response(AuditTrailSerializer(trail).data)
