from django.http import HttpRequest

from accounts.models import Membership


def memberships(request: HttpRequest) -> dict:
    """The organisation switcher in the header: the user's organisations, lazily."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_memberships": Membership.objects.of_user(user).select_related("organisation"),
    }
