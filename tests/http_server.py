"""A real HTTP server on 127.0.0.1 for the tests: serves files with Range support and injected faults."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Faults:
    fail_first: int = 0          # answer the first N requests with `status`
    status: int = 503
    drop_after: int | None = None  # on the first full response, close the connection after this many bytes
    ignore_range: bool = False
    requests: list[str] = field(default_factory=list)


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
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                faults = outer.faults
                faults.requests.append(self.headers.get("Range") or "full")
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
                start = 0
                ranged = self.headers.get("Range")
                if ranged and not faults.ignore_range:
                    start = int(ranged.removeprefix("bytes=").split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                if faults.drop_after is not None and start == 0:
                    cut, faults.drop_after = faults.drop_after, None
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.serve(Handler)

    def url(self, path: str) -> str:
        return self.origin + path
