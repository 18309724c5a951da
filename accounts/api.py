"""API for integrators: the current user, their organisations and memberships."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership, Organisation, User
from accounts.tenancy import TenantAPIMixin
from core.api import ModelSerializer


class OrganisationSerializer(ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "kind", "name_en", "name_zh", "city", "website", "description", "sector"]


class MyMembershipSerializer(ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organisation", "role", "is_signatory", "created_at"]


class UserSerializer(ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title", "memberships"]

    @extend_schema(responses=MyMembershipSerializer(many=True))
    def get_memberships(self, user: User) -> list[dict]:
        memberships = Membership.objects.of_user(user).select_related("organisation")
        return MyMembershipSerializer(memberships, many=True).data


class MemberSerializer(ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    job_title = serializers.CharField(source="user.job_title", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "job_title", "role", "is_signatory", "created_at"]


class MeView(APIView):
    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class MyOrganisationList(generics.ListAPIView):
    """The organisations you belong to."""

    serializer_class = MyMembershipSerializer

    def get_queryset(self):
        return Membership.objects.of_user(self.request.user).select_related("organisation")


class OrganisationDetail(TenantAPIMixin, generics.RetrieveAPIView):
    """An organisation's profile; 404 unless you are a member."""

    serializer_class = OrganisationSerializer

    def get_object(self):
        return get_object_or_404(
            Organisation.objects.visible_to(self.tenant.organisation),
            slug=self.kwargs["org_slug"],
        )


class MemberList(TenantAPIMixin, generics.ListAPIView):
    serializer_class = MemberSerializer

    def get_queryset(self):
        return Membership.objects.visible_to(self.tenant.organisation).select_related("user")


class MemberDetail(TenantAPIMixin, generics.RetrieveAPIView):
    serializer_class = MemberSerializer

    def get_queryset(self):
        return Membership.objects.visible_to(self.tenant.organisation).select_related("user")
