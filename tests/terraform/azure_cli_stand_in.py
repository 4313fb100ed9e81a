"""A stand-in for the Azure CLI (``az``), so the real azurerm provider can plan offline.

The provider authenticates through ``az`` when no other credentials are set; it asks
for the CLI version, the signed-in account and an access token. This answers those
queries for one fixed, made-up subscription and tenant with an unsigned token that
carries the claims the provider reads (object id, tenant id). The token is worthless
to Azure; the plan tests also turn off every provider request that would use it
(resource provider registration, location lookups), so nothing leaves the machine.
Any other ``az`` command exits 2.
"""

from __future__ import annotations

import base64
import datetime
import json
import sys
from typing import Any

SUBSCRIPTION_ID = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
TENANT_ID = "33333333-3333-4333-8333-333333333333"
OBJECT_ID = "22222222-2222-4222-8222-222222222222"
AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def answer(args: list[str]) -> Any:
    """The JSON ``az`` would print for ``args`` (``-o=json`` ignored); raises for others."""
    args = [a for a in args if not a.startswith("-o")]
    account = {
        "id": SUBSCRIPTION_ID,
        "tenantId": TENANT_ID,
        "isDefault": True,
        "name": "plan-only",
        "state": "Enabled",
        "user": {"name": "planner@example.com", "type": "user"},
    }
    if args[:1] == ["version"]:
        return {"azure-cli": "2.60.0", "azure-cli-core": "2.60.0", "extensions": {}}
    if args[:2] == ["account", "show"]:
        return account
    if args[:2] == ["account", "list"]:
        return [account]
    if args[:2] == ["account", "get-access-token"]:
        now = datetime.datetime.now()
        expires = now + datetime.timedelta(hours=1)
        claims = {
            "aud": "https://management.azure.com",
            "iss": f"https://sts.windows.net/{TENANT_ID}/",
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "oid": OBJECT_ID,
            "tid": TENANT_ID,
            "appid": AZURE_CLI_APP_ID,
            "upn": "planner@example.com",
            "idtyp": "user",
        }
        return {
            "accessToken": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.unsigned",
            "expiresOn": expires.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "expires_on": int(expires.timestamp()),
            "subscription": SUBSCRIPTION_ID,
            "tenant": TENANT_ID,
            "tokenType": "Bearer",
        }
    raise LookupError(f"az stand-in: unsupported command: az {' '.join(args)}")


def main(argv: list[str]) -> int:
    try:
        print(json.dumps(answer(argv)))
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
