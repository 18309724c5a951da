from django.http import HttpRequest

from accounts.tenancy import memberships_of


def memberships(request: HttpRequest) -> dict:
    """The organisation switcher in the header: the memberships the tenant was found in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_memberships": memberships_of(user, request=request),
    }
