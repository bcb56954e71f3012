"""`Authorization: Token <key>` on `org.tokens` (max age, idle limit, leaving date)."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from org.errors import ApplicationError
from org.tokens import token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing and schema (drf-spectacular matches the subclass), our token rules."""

    def authenticate_credentials(self, key):
        try:
            return token_authenticate(key)
        except ApplicationError as exc:
            raise exceptions.AuthenticationFailed(exc.message) from exc
