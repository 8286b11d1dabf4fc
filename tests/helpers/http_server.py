"""A real HTTP server on 127.0.0.1 for the tests: serves files with Range, If-Range and injected faults."""

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Faults:
    fail_first: int = 0          # answer the first N requests with `status`
    status: int = 503
    drop_after: int | None = None  # on the first full response, close the connection after this many bytes
    drop_skip: int = 0             # full responses sent whole before the one `drop_after` cuts
    ignore_range: bool = False
    changes_to: bytes | None = None  # after the drop, the dropped file holds these bytes (a new version)
    etag: bool = True              # send a strong ETag
    last_modified: bool = True     # send Last-Modified (one day later for the changed version)
    ignore_if_range: bool = False  # answer Range as if no If-Range came with it
    range_shift: int = 0           # answer `Range: bytes=N-` from N - range_shift (saying so in Content-Range)
    requests: list[str] = field(default_factory=list)
    if_ranges: list[str | None] = field(default_factory=list)


class ThreadedServer:
    """A ThreadingHTTPServer on 127.0.0.1 with a request handler class, served from a thread for a `with` block."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class LoopbackServer(ThreadedServer):
    """`with LoopbackServer({"/a.warc.gz": data}, Faults(...)) as server: server.url("/a.warc.gz")`."""

    def __init__(self, files: dict[str, bytes], faults: Faults | None = None):
        self.files, self.faults = files, faults or Faults()
        self.versions = dict.fromkeys(files, 0)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                faults = outer.faults
                faults.requests.append(self.headers.get("Range") or "full")
                faults.if_ranges.append(self.headers.get("If-Range"))
                if len(faults.requests) <= faults.fail_first:
                    self.send_response(faults.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = outer.files.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                validators = outer.validators(self.path)
                start = 0
                ranged = self.headers.get("Range")
                if_range = self.headers.get("If-Range")
                current = not if_range or faults.ignore_if_range or if_range in validators.values()
                if ranged and current and not faults.ignore_range:
                    start = max(0, int(ranged.removeprefix("bytes=").split("-")[0]) - faults.range_shift)
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                for name, value in validators.items():
                    self.send_header(name, value)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                if faults.drop_after is not None and start == 0 and faults.drop_skip:
                    faults.drop_skip -= 1
                elif faults.drop_after is not None and start == 0:
                    cut, faults.drop_after = faults.drop_after, None
                    if faults.changes_to is not None:
                        outer.files[self.path], outer.versions[self.path] = faults.changes_to, 1
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.serve(Handler)

    def validators(self, path: str) -> dict[str, str]:
        """The ETag and Last-Modified of a file's current version, as faults ask."""
        found = {}
        if self.faults.last_modified:
            found["Last-Modified"] = formatdate(1_700_000_000 + 86400 * self.versions.get(path, 0), usegmt=True)
        if self.faults.etag:
            found["ETag"] = f'"{hashlib.sha256(self.files[path]).hexdigest()[:16]}"'
        return found

    def url(self, path: str) -> str:
        return self.origin + path
