"""Splitting a WARC response block into HTTP status, headers and the decoded payload."""

import gzip
import io
import zlib
from dataclasses import dataclass

import brotli
from resiliparse.parse.http import iterate_http_chunks


class PayloadError(ValueError):
    """The HTTP payload cannot be decoded (bad chunking or content encoding)."""


@dataclass
class HttpResponse:
    status: int | None
    headers: dict[str, str]
    payload: bytes

    @property
    def mime_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def parse_http_response(block: bytes) -> HttpResponse:
    """Parse `HTTP/1.x status`, headers and body; undo chunked transfer and gzip/deflate/br encodings."""
    end, sep = block.find(b"\r\n\r\n"), 4
    if end < 0:
        end, sep = block.find(b"\n\n"), 2
    if end < 0:
        raise PayloadError("no end of HTTP headers")
    lines = block[:end].decode("iso-8859-1").splitlines()
    status_line = lines[0].split(None, 2) if lines else []
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, colon, value = line.partition(":")
        if colon:
            headers[key.strip().lower()] = value.strip()
    payload = block[end + sep:]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        payload = _unchunk(payload)
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding and encoding != "identity" and not _stored_decoded(payload, encoding):
        payload = _decode(payload, encoding)
    return HttpResponse(status, headers, payload)


def _stored_decoded(payload: bytes, encoding: str) -> bool:
    """Crawlers (Common Crawl, ClueWeb) often store the payload decoded but keep the Content-Encoding header."""
    if encoding in ("gzip", "x-gzip"):
        return not payload.startswith(b"\x1f\x8b")
    return payload.lstrip()[:1] == b"<"


def _unchunk(payload: bytes) -> bytes:
    try:
        return b"".join(iterate_http_chunks(io.BytesIO(payload)))
    except Exception as exc:  # the chunk parser raises several types on malformed input
        raise PayloadError(f"bad chunked encoding: {exc}") from exc


def _decode(payload: bytes, encoding: str) -> bytes:
    try:
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(payload)
        if encoding == "deflate":
            try:
                return zlib.decompress(payload)
            except zlib.error:
                return zlib.decompress(payload, -zlib.MAX_WBITS)
        if encoding == "br":
            return brotli.decompress(payload)
    except Exception as exc:  # each codec has its own error type
        raise PayloadError(f"cannot decode content-encoding {encoding}: {exc}") from exc
    raise PayloadError(f"unknown content-encoding {encoding}")
