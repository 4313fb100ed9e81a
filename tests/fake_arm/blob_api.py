"""A small Azure Blob Storage: put, read, properties, metadata and listing.

Two address forms reach the same blobs: path-style on the loopback address
(``/<account>/<container>/<blob>``, the SAS URLs the fake hands out, which the
SDK's storage client uses directly) and host-style
(``<account>.blob.core.windows.net/<container>/<blob>`` through the
transport). Direct requests need a SAS signature (``sig``).
"""

from __future__ import annotations

from email.utils import formatdate
from xml.sax.saxutils import escape

from tests.fake_arm.server import Context, Response, Router, error
from tests.fake_arm.state import Blob


def _address(ctx: Context) -> tuple[str, str, str] | Response:
    request = ctx.request
    host = request.host.split(":")[0]
    parts = request.path.lstrip("/").split("/", 2 if not host else 1)
    if host:
        account = host.split(".")[0]
        container = parts[0]
        blob = parts[1] if len(parts) > 1 else ""
    else:
        if "sig" not in request.query:
            return error(403, "AuthenticationFailed", "no SAS signature")
        if len(parts) < 2:
            return error(400, "InvalidUri", "expected /<account>/<container>[/<blob>]")
        account, container = parts[0], parts[1]
        blob = parts[2] if len(parts) > 2 else ""
    return account, container, blob


def _headers(blob: Blob) -> dict[str, str]:
    headers = {
        "Content-Type": "application/octet-stream",
        "Last-Modified": formatdate(blob.modified, usegmt=True),
        "ETag": f'"0x{int(blob.modified * 1e6):X}"',
        "x-ms-blob-type": "BlockBlob",
        "x-ms-version": "2021-08-06",
        "Accept-Ranges": "bytes",
    }
    headers.update({f"x-ms-meta-{k}": v for k, v in blob.metadata.items()})
    return headers


def _not_found() -> Response:
    return Response(
        404, b"", {"x-ms-error-code": "BlobNotFound", "Content-Type": "application/xml"}
    )


def _put(ctx: Context) -> Response:
    address = _address(ctx)
    if isinstance(address, Response):
        return address
    blobs = ctx.arm.state.blobs
    query = ctx.request.query
    if not address[2]:  # create container
        return Response(201, b"", {"x-ms-version": "2021-08-06"})
    metadata = {
        k[len("x-ms-meta-") :]: v
        for k, v in ctx.request.headers.items()
        if k.startswith("x-ms-meta-")
    }
    if query.get("comp") == "metadata":
        blob = blobs.get(address)
        if blob is None:
            return _not_found()
        blob.metadata = metadata
        return Response(200, b"", _headers(blob))
    if query.get("comp"):
        return error(400, "UnsupportedInFake", f"comp={query['comp']} is not supported")
    blob = Blob(ctx.request.body, metadata)
    blobs[address] = blob
    headers = _headers(blob)
    headers["x-ms-request-server-encrypted"] = "true"
    return Response(201, b"", headers)


def _get(ctx: Context) -> Response:
    address = _address(ctx)
    if isinstance(address, Response):
        return address
    query = ctx.request.query
    if query.get("comp") == "list":
        return _list(ctx, address[0], address[1], query.get("prefix", ""))
    blob = ctx.arm.state.blobs.get(address)
    content = ctx.arm.state.blob_content(address) if blob is None else blob.data
    if content is None:
        return _not_found()
    headers = _headers(blob or Blob(content))
    return Response(200, content, headers)


def _head(ctx: Context) -> Response:
    address = _address(ctx)
    if isinstance(address, Response):
        return address
    blob = ctx.arm.state.blobs.get(address)
    if blob is None:
        return _not_found()
    headers = _headers(blob)
    headers["Content-Length"] = str(len(blob.data))
    return Response(200, b"", headers)


def _list(ctx: Context, account: str, container: str, prefix: str) -> Response:
    names = sorted(
        name
        for (acct, cont, name) in ctx.arm.state.blobs
        if acct == account and cont == container and name.startswith(prefix)
    )
    items = "".join(
        f"<Blob><Name>{escape(name)}</Name><Properties><BlobType>BlockBlob</BlobType>"
        f"<Content-Length>{len(ctx.arm.state.blobs[(account, container, name)].data)}"
        "</Content-Length></Properties></Blob>"
        for name in names
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<EnumerationResults ServiceEndpoint="https://{account}.blob.core.windows.net/" '
        f'ContainerName="{escape(container)}"><Prefix>{escape(prefix)}</Prefix>'
        f"<Blobs>{items}</Blobs><NextMarker /></EnumerationResults>"
    ).encode()
    return Response(200, body, {"Content-Type": "application/xml"})


def register(router: Router) -> None:
    router.add("blob", "PUT", r"/.+", _put)
    router.add("blob", "GET", r"/.+", _get)
    router.add("blob", "HEAD", r"/.+", _head)
