"""Splitting a WARC response block into HTTP status, headers and the decoded payload."""

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import brotli
import zstandard
from resiliparse.parse.http import iterate_http_chunks

# urllib3's limit on a chain of content encodings (advisory GHSA-gm62-xv2j-4w53): each step can cost a pass over
# the whole capped payload, and a header can list thousands.
MAX_ENCODINGS = 5
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# RFC 9659: encoders of Content-Encoding zstd use a window of at most 8 MB, so larger ones are refused.
ZSTD_WINDOW = 8 * 2**20
# zstandard's decompressobj has no output limit, so it is fed in slices: a block inflates to at most 128 KiB and
# takes at least 4 bytes of input (RFC 8878: Block_Maximum_Size; an RLE block), so a slice gives at most 2.1 MiB.
ZSTD_SLICE = 64
ZSTD_WRITE = 1 << 14


class PayloadError(ValueError):
    """The HTTP payload cannot be decoded (bad chunking or content encoding)."""


class PayloadTooLarge(PayloadError):
    """The payload inflates to more than the caller's limit."""


@dataclass
class HttpResponse:
    status: int | None
    headers: dict[str, str]  # lower-case name -> the last value
    payload: bytes
    fields: list[tuple[str, str]] = field(default_factory=list)  # every header line in order, repeated ones too

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


def parse_http_response(block: bytes, max_payload: int) -> HttpResponse:
    """Parse `HTTP/1.x status`, headers and body; undo chunked transfer and the content encodings, inflating to at
    most `max_payload` bytes (PayloadTooLarge beyond)."""
    end, sep = block.find(b"\r\n\r\n"), 4
    if end < 0:
        end, sep = block.find(b"\n\n"), 2
    if end < 0:
        raise PayloadError("no end of HTTP headers")
    lines = block[:end].decode("iso-8859-1").splitlines()
    status_line = lines[0].split(None, 2) if lines else []
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None
    fields = [(key.strip().lower(), value.strip()) for key, colon, value in (line.partition(":") for line in lines[1:])
              if colon]
    headers = dict(fields)
    payload = block[end + sep:]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        payload = _unchunk(payload)
    return HttpResponse(status, headers, decode_content(payload, headers.get("content-encoding", ""), max_payload),
                        fields)


def decode_content(payload: bytes, content_encoding: str, limit: int) -> bytes:
    """Undo a Content-Encoding such as `gzip, br` (applied in the order listed, so undone from the last), each step
    inflating as a stream to at most `limit` bytes."""
    codings = [c for c in (part.strip().lower() for part in content_encoding.split(",")) if c not in ("", "identity")]
    if len(codings) > MAX_ENCODINGS:
        raise PayloadError(f"{len(codings)} content encodings ({content_encoding[:100]}); at most {MAX_ENCODINGS} "
                           "are undone")
    for coding in reversed(codings):
        if _stored_decoded(payload, coding):
            break  # and so are the encodings applied before it
        payload = _decode(payload, coding, limit)
    return payload


def _stored_decoded(payload: bytes, encoding: str) -> bool:
    """Crawlers (Common Crawl, ClueWeb) often store the payload decoded but keep the Content-Encoding header."""
    magic = {"gzip": GZIP_MAGIC, "x-gzip": GZIP_MAGIC, "zstd": ZSTD_MAGIC}.get(encoding)
    if magic:
        return not payload.startswith(magic)
    return payload.lstrip()[:1] == b"<"


def _unchunk(payload: bytes) -> bytes:
    try:
        return b"".join(iterate_http_chunks(io.BytesIO(payload)))
    except Exception as exc:  # the chunk parser raises several types on malformed input
        raise PayloadError(f"bad chunked encoding: {exc}") from exc


def _decode(payload: bytes, encoding: str, limit: int) -> bytes:
    decoder = DECODERS.get(encoding)
    if decoder is None:
        raise PayloadError(f"unknown content-encoding {encoding}")
    try:
        return decoder(payload, limit)
    except PayloadTooLarge as exc:
        raise PayloadTooLarge(f"content-encoding {encoding} inflates to more than {limit:,} bytes") from exc
    except PayloadError as exc:
        raise PayloadError(f"cannot decode content-encoding {encoding}: {exc}") from exc
    except (zlib.error, brotli.error, zstandard.ZstdError) as exc:
        raise PayloadError(f"cannot decode content-encoding {encoding}: {exc}") from exc


def _ended(size: int, room: int, finished: bool) -> None:
    """Refuse a step's output that went over `room`, or a stream that stopped before its end."""
    if size > room:
        raise PayloadTooLarge()
    if not finished:
        raise PayloadError("the stream ends before its end marker")


def _members(data: bytes, limit: int, one: Callable[[bytes, int], tuple[bytes, bytes]], magic: bytes) -> bytes:
    """Concatenated gzip members or zstd frames, as `gzip.decompress` reads them; bytes after the last are ignored."""
    out, rest = one(data, limit)
    while rest.startswith(magic):
        more, rest = one(rest, limit - len(out))
        out += more
    return out


def _inflate(data: bytes, wbits: int, room: int) -> tuple[bytes, bytes]:
    """One zlib stream (of the format `wbits` names) and the bytes after it."""
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, room + 1)
    _ended(len(out), room, inflater.eof)
    return out, inflater.unused_data


def _gunzip(data: bytes, limit: int) -> bytes:
    return _members(data, limit, lambda rest, room: _inflate(rest, 16 + zlib.MAX_WBITS, room), GZIP_MAGIC)


def _undeflate(data: bytes, limit: int) -> bytes:
    try:
        return _inflate(data, zlib.MAX_WBITS, limit)[0]
    except zlib.error:  # many servers send raw deflate, without the zlib wrapper HTTP asks for
        return _inflate(data, -zlib.MAX_WBITS, limit)[0]


def _unbrotli(data: bytes, limit: int) -> bytes:
    inflater = brotli.Decompressor()
    out = inflater.process(data, output_buffer_limit=limit + 1)
    _ended(len(out), limit, inflater.is_finished())
    return out


def _zstd_frame(data: bytes, room: int) -> tuple[bytes, bytes]:
    inflater = zstandard.ZstdDecompressor(max_window_size=ZSTD_WINDOW).decompressobj(write_size=ZSTD_WRITE)
    out, start = bytearray(), 0
    while start < len(data) and not inflater.eof and len(out) <= room:
        out += inflater.decompress(data[start:start + ZSTD_SLICE])
        start += ZSTD_SLICE
    _ended(len(out), room, inflater.eof)
    return bytes(out), inflater.unused_data + data[start:]


def _unzstd(data: bytes, limit: int) -> bytes:
    return _members(data, limit, _zstd_frame, ZSTD_MAGIC)


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip, "x-gzip": _gunzip, "deflate": _undeflate, "br": _unbrotli, "zstd": _unzstd,
}
