"""A Hugging Face Hub on 127.0.0.1 for the tests: the part of its API that creating a dataset repository and
uploading small files through huggingface_hub uses, with injected 429/5xx answers.

Served: POST /api/repos/create, POST /api/validate-yaml (the card's front matter),
POST /api/datasets/{repo}/preupload/{rev} (every file "regular": its bytes travel base64 inside the commit, as the
Hub does for small text files), POST /api/datasets/{repo}/commit/{rev} (NDJSON: files and deletions),
GET /api/datasets/{repo}/tree/{rev} (recursive, one page) and GET /api/datasets/{repo}/revision/{rev}.
Not served: Xet storage, where the Hub sends LFS files (Parquet among them) and huggingface_hub 2.x uploads them:
a binary protocol of chunked, compressed "xorbs" and "shards" that hf_xet speaks to a CAS server, too large to
serve faithfully here. A commit naming an LFS file is refused."""

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import yaml

from tests.helpers.http_server import ThreadedServer


@dataclass
class Repo:
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubServer(ThreadedServer):
    """`with HubServer(faults={"commit": [503]}) as hub: ... hub.url ... hub.repos["ns/name"].files`.

    `faults` maps an endpoint (create, preupload, commit) to the statuses its first requests get."""

    def __init__(self, faults: dict[str, list[int]] | None = None):
        self.repos: dict[str, Repo] = {}
        self.faults = {kind: list(statuses) for kind, statuses in (faults or {}).items()}
        self.requests: list[tuple[str, str, int]] = []  # (endpoint, Authorization header, status)
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.split("?")[0].strip("/").split("/")
                if parts[:3] == ["api", "repos", "create"]:
                    self.answer("create", lambda: outer.create(json.loads(body)))
                elif parts[:2] == ["api", "validate-yaml"]:
                    self.answer("validate-yaml", lambda: outer.validate_yaml(json.loads(body)))
                elif parts[:2] == ["api", "datasets"] and len(parts) >= 6 and parts[4] in ("preupload", "commit"):
                    repo_id = f"{parts[2]}/{parts[3]}"
                    handler = outer.preupload if parts[4] == "preupload" else outer.commit
                    self.answer(parts[4], lambda: handler(repo_id, body) if repo_id in outer.repos
                                else (404, {"error": f"no repository {repo_id}"}))
                else:
                    self.answer("other", lambda: (404, {"error": f"not served here: POST {self.path}"}))

            def do_GET(self):
                parts = self.path.split("?")[0].strip("/").split("/")
                repo = outer.repos.get("/".join(parts[2:4])) if len(parts) >= 6 else None
                if parts[:2] == ["api", "datasets"] and parts[4:5] == ["revision"] and repo:
                    self.answer("revision", lambda: (200, {"id": "/".join(parts[2:4]), "sha": repo.commits[-1],
                                                           "private": repo.private, "siblings": [
                                                               {"rfilename": name} for name in repo.files]}))
                elif parts[:2] == ["api", "datasets"] and parts[4:5] == ["tree"] and repo:
                    self.answer("tree", lambda: (200, [
                        {"type": "file", "path": name, "size": len(data), "oid": git_blob_oid(data)}
                        for name, data in sorted(repo.files.items())]))
                else:
                    self.answer("other", lambda: (404, {"error": f"not served here: GET {self.path}"}))

            def answer(self, endpoint: str, respond):
                with outer.lock:
                    pending = outer.faults.get(endpoint)
                    status, payload = (pending.pop(0), {"error": "injected"}) if pending else respond()
                    outer.requests.append((endpoint, self.headers.get("Authorization", ""), status))
                data = json.dumps(payload).encode()
                self.send_response(status)
                if status in (429, 503):
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)
        self.url = self.origin

    def create(self, request: dict) -> tuple[int, dict]:
        repo_id = f"{request['organization']}/{request['name']}"
        if request.get("type") != "dataset":
            return 400, {"error": "this test Hub holds datasets only"}
        if repo_id in self.repos:
            return 409, {"error": "You already created this dataset repo", "url": f"{self.url}/datasets/{repo_id}"}
        self.repos[repo_id] = Repo(private=request.get("visibility") == "private")
        return 200, {"url": f"{self.url}/datasets/{repo_id}", "name": repo_id}

    @staticmethod
    def validate_yaml(request: dict) -> tuple[int, dict]:
        """The card's front matter must be a YAML mapping; a dataset's `configs` need names and data files."""
        text = request["content"]
        if not text.startswith("---\n"):
            return 200, {"errors": [], "warnings": [{"message": "empty or missing yaml metadata"}]}
        try:
            matter = yaml.safe_load(text.split("---\n")[1])
        except yaml.YAMLError as exc:
            return 400, {"errors": [{"message": f"invalid YAML: {exc}"}]}
        configs = matter.get("configs", []) if isinstance(matter, dict) else None
        if configs is None or not all("config_name" in c and "data_files" in c for c in configs):
            problem = "metadata must be a mapping with configs: [{config_name, data_files}]"
            return 400, {"errors": [{"message": problem}]}
        return 200, {"errors": [], "warnings": []}

    def preupload(self, repo_id: str, body: bytes) -> tuple[int, dict]:
        repo = self.repos[repo_id]
        files = json.loads(body)["files"]
        return 200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                "oid": git_blob_oid(repo.files[f["path"]]) if f["path"] in repo.files else None}
                               for f in files]}

    def commit(self, repo_id: str, body: bytes) -> tuple[int, dict]:
        repo = self.repos[repo_id]
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        if lines[0]["key"] != "header" or any(line["key"] not in ("file", "deletedFile") for line in lines[1:]):
            return 400, {"error": "this test Hub takes regular files and deletions only"}
        for line in lines[1:]:
            if line["key"] == "deletedFile":
                del repo.files[line["value"]["path"]]
            else:
                repo.files[line["value"]["path"]] = base64.b64decode(line["value"]["content"])
        oid = hashlib.sha1(body).hexdigest()
        repo.commits.append(oid)
        url = f"{self.url}/datasets/{repo_id}/commit/{oid}"
        return 200, {"commitUrl": url, "commitOid": oid, "pullRequestUrl": None}
