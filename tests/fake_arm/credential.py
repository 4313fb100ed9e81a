"""A ``TokenCredential`` for the fake, and the fake's side of token checking.

Tokens are unsigned JWTs (the SDK reads ``tid`` and ``aud`` from them) with a
random ``jti`` that the fake remembers with its expiry. The
fake answers 401 (as ARM does) for a token it never issued, one past its
expiry, or one revoked with ``TokenRegistry.revoke_all`` (a token that
expires mid-run). ``FakeCredential(fail_after=n)`` stops issuing tokens after
``n`` of them, as ``DefaultAzureCredential`` does when a login has lapsed.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from typing import Any

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError


def _b64(value: object) -> str:
    raw = json.dumps(value).encode() if not isinstance(value, str) else value.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class TokenRegistry:
    """Tokens issued for one fake and their expiry (unix seconds)."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued: list[tuple[str, tuple[str, ...]]] = []
        self.rejected = 0

    def issue(self, scopes: tuple[str, ...], lifetime: float) -> AccessToken:
        expires = time.time() + lifetime
        audience = scopes[0].removesuffix("/.default") if scopes else ""
        claims = {
            "aud": audience,
            "tid": "00000000-0000-0000-0000-0000000000aa",
            "oid": "00000000-0000-0000-0000-0000000000bb",
            "exp": int(expires),
            "jti": secrets.token_urlsafe(12),
        }
        token = ".".join(
            (_b64({"typ": "JWT", "alg": "HS256"}), _b64(claims), _b64("fake-signature"))
        )
        with self._lock:
            self._expiry[token] = expires
            self.issued.append((token, scopes))
        return AccessToken(token, int(expires))

    def revoke_all(self) -> None:
        """Expire every token issued so far (the next request with one gets 401)."""
        with self._lock:
            for token in self._expiry:
                self._expiry[token] = 0.0

    def check(self, authorization: str) -> Any:
        from tests.fake_arm.server import error

        scheme, _, token = authorization.partition(" ")
        with self._lock:
            expires = self._expiry.get(token) if scheme.lower() == "bearer" else None
            if expires is None or expires <= time.time():
                self.rejected += 1
            else:
                return None
        if expires is None:
            return error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or invalid.",
                **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return error(
            401,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
            **{"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'},
        )


class FakeCredential:
    """Issues tokens valid for ``lifetime`` seconds; after ``fail_after`` tokens it
    raises ``ClientAuthenticationError`` like a credential whose login lapsed."""

    def __init__(
        self, registry: TokenRegistry, *, lifetime: float = 3600.0, fail_after: int | None = None
    ) -> None:
        self._registry = registry
        self.lifetime = lifetime
        self.fail_after = fail_after
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise ClientAuthenticationError(
                "DefaultAzureCredential failed to retrieve a token: the refresh token has expired"
            )
        return self._registry.issue(tuple(scopes), self.lifetime)

    def close(self) -> None:
        pass
