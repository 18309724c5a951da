from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class StrictTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing keys that cannot be tokens before any query."""

    def authenticate_credentials(self, key: str):
        if not key.isascii() or not key.isalnum() or len(key) > 64:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
