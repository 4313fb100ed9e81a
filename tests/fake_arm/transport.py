"""The seam tests use: a ``RequestsTransport`` that sends https requests to the fake.

The SDK builds every URL as it would for Azure (``https://management.azure.com/...``);
just before the bytes leave, this transport swaps scheme and host for the
fake's loopback address and keeps the original host in a header, so the fake
knows which service was meant. Nothing else changes: policies (auth, retry,
polling) run exactly as they would against Azure.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from azure.core.pipeline.transport import RequestsTransport

from tests.fake_arm.server import ORIGINAL_HOST_HEADER


class LoopbackTransport(RequestsTransport):
    """Rewrite ``https://<any host>/...`` to ``<address>/...``."""

    def __init__(self, address: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._target = urlsplit(address)

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = urlsplit(request.url)
        if url.scheme != "https":
            return super().send(request, **kwargs)
        # A copy goes out; the response keeps the original request (pollers read its URL).
        outgoing = copy.copy(request)
        outgoing.headers = type(request.headers)(request.headers)
        outgoing.headers[ORIGINAL_HOST_HEADER] = url.netloc
        outgoing.url = urlunsplit(
            (self._target.scheme, self._target.netloc, url.path, url.query, url.fragment)
        )
        response = super().send(outgoing, **kwargs)
        response.request = request
        return response
