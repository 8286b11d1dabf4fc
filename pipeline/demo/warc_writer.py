"""Writing WARC files (one gzip member per record, as Common Crawl does): for the demo crawl and test fixtures."""

import base64
import gzip
import hashlib
import uuid
from collections.abc import Iterable


def http_response(body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200,
                  extra: dict[str, str] | None = None) -> bytes:
    """An HTTP/1.1 response block as a crawler stores it."""
    reason = {200: "OK", 404: "Not Found", 301: "Moved Permanently"}.get(status, "Status")
    headers = {"Content-Type": content_type, "Content-Length": str(len(body)), **(extra or {})}
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("iso-8859-1") + b"\r\n" + body


def warc_record(record_type: str, block: bytes, uri: str | None = None, date: str = "2024-02-20T12:00:00Z",
                content_type: str | None = None, extra: dict[str, str] | None = None) -> bytes:
    """One WARC/1.1 record with a deterministic record id and a SHA-1 block digest."""
    if content_type is None:
        content_type = {
            "response": "application/http; msgtype=response",
            "request": "application/http; msgtype=request",
            "warcinfo": "application/warc-fields",
            "metadata": "application/warc-fields",
            "conversion": "text/plain",
        }.get(record_type, "application/octet-stream")
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{record_type} {uri} {hashlib.sha1(block).hexdigest()}")
    headers = {"WARC-Type": record_type, "WARC-Date": date, "WARC-Record-ID": f"<urn:uuid:{record_id}>"}
    if uri:
        headers["WARC-Target-URI"] = uri
    headers.update(extra or {})
    headers["WARC-Block-Digest"] = "sha1:" + base64.b32encode(hashlib.sha1(block).digest()).decode()
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(block))
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


def warcinfo(crawl: str, filename: str, date: str = "2024-02-20T12:00:00Z") -> bytes:
    fields = f"isPartOf: {crawl}\r\npublisher: curate demo\r\nformat: WARC File Format 1.1\r\n"
    return warc_record("warcinfo", fields.encode(), date=date, extra={"WARC-Filename": filename})


def write_warc(path: str, records: Iterable[bytes], compress: bool = True) -> None:
    """Write records to `path`, each its own gzip member when `compress` (so readers can resume after damage)."""
    with open(path, "wb") as handle:
        for record in records:
            handle.write(gzip.compress(record, mtime=0) if compress else record)
