"""A Hugging Face Hub on 127.0.0.1 for the tests: the part of its API that creating a dataset repository and
uploading a folder through huggingface_hub uses, LFS files included, with injected 429/5xx answers.

Served: POST /api/repos/create, POST /api/validate-yaml (the card's front matter),
POST /api/datasets/{repo}/preupload/{rev} ("lfs" for the files the Hub's default .gitattributes tracks, Parquet
among them; the others "regular": their bytes travel base64 inside the commit),
the Git LFS batch API (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md) with the `basic` transfer:
POST /datasets/{repo}.git/info/lfs/objects/batch answers each object with an upload URL (a presigned storage URL
here as on the Hub: no token goes there) and a verify URL, or with no action when the repository's LFS store
already holds it; PUT on the upload URL stores the bytes only if their SHA-256 and size are the object's;
POST .../objects/verify; POST /api/datasets/{repo}/commit/{rev} (NDJSON: regular files, LFS pointers to stored
objects, deletions), GET /api/datasets/{repo}/tree/{rev} (recursive, one page) and GET .../revision/{rev}.
Not served: Xet storage, where the real Hub sends LFS files and huggingface_hub 2.x uploads them when hf_xet is
installed: a binary protocol of chunked, compressed "xorbs" and "shards" that hf_xet speaks to a CAS server, too
large to serve faithfully here. Tests set HF_HUB_DISABLE_XET=1, and huggingface_hub uses the LFS batch API."""

import base64
import fnmatch
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import yaml

from tests.helpers.http_server import ThreadedServer

# Some of the LFS patterns of the .gitattributes the Hub writes into a new repository (see the first commit of a
# dataset repository, e.g. https://huggingface.co/datasets/huggingfacejs/tasks/commit/fe9ddeabb39cc3e43d301292a43818ac92a57d1b).
LFS_PATTERNS = ("*.parquet", "*.arrow", "*.gz", "*.zst", "*.bin")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Repo:
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)
    lfs_store: dict[str, bytes] = field(default_factory=dict)  # SHA-256 -> the object's bytes
    lfs_files: dict[str, str] = field(default_factory=dict)    # path -> SHA-256 of a file committed as an LFS pointer


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(oid: str, size: int) -> bytes:
    """The pointer file git stores for an LFS object (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md)."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()


class HubServer(ThreadedServer):
    """`with HubServer(faults={"commit": [503]}) as hub: ... hub.url ... hub.repos["ns/name"].files`.

    `faults` maps an endpoint (create, preupload, batch, upload, verify, commit) to the statuses its first
    requests get."""

    def __init__(self, faults: dict[str, list[int]] | None = None):
        self.repos: dict[str, Repo] = {}
        self.faults = {kind: list(statuses) for kind, statuses in (faults or {}).items()}
        self.requests: list[tuple[str, str, int]] = []  # (endpoint, Authorization header, status)
        self.uploads: dict[str, tuple[str, str, int]] = {}  # presigned key -> (repo id, oid, size)
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
                    handler = outer.preupload if parts[4] == "preupload" else outer.commit
                    self.on_repo(parts[4], f"{parts[2]}/{parts[3]}", handler, body)
                elif parts[:1] == ["datasets"] and parts[3:6] == ["info", "lfs", "objects"] and \
                        parts[2].endswith(".git") and parts[6:] in (["batch"], ["verify"]):
                    handler = outer.batch if parts[6] == "batch" else outer.verify
                    self.on_repo(parts[6], f"{parts[1]}/{parts[2].removesuffix('.git')}", handler, body)
                else:
                    self.answer("other", lambda: (404, {"error": f"not served here: POST {self.path}"}))

            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.split("?")[0].strip("/").split("/")
                if parts[:1] == ["lfs-storage"] and len(parts) == 2:
                    self.answer("upload", lambda: outer.store(parts[1], body))
                else:
                    self.answer("other", lambda: (404, {"error": f"not served here: PUT {self.path}"}))

            def do_GET(self):
                parts = self.path.split("?")[0].strip("/").split("/")
                repo = outer.repos.get("/".join(parts[2:4])) if len(parts) >= 6 else None
                if parts[:2] == ["api", "datasets"] and parts[4:5] == ["revision"] and repo:
                    self.answer("revision", lambda: (200, {"id": "/".join(parts[2:4]), "sha": repo.commits[-1],
                                                           "private": repo.private, "siblings": [
                                                               {"rfilename": name} for name in repo.files]}))
                elif parts[:2] == ["api", "datasets"] and parts[4:5] == ["tree"] and repo:
                    self.answer("tree", lambda: (200, [outer.tree_entry(repo, name) for name in sorted(repo.files)]))
                else:
                    self.answer("other", lambda: (404, {"error": f"not served here: GET {self.path}"}))

            def on_repo(self, endpoint: str, repo_id: str, handler, body: bytes):
                self.answer(endpoint, lambda: handler(repo_id, body) if repo_id in outer.repos
                            else (404, {"error": f"no repository {repo_id}"}))

            def answer(self, endpoint: str, respond):
                with outer.lock:
                    pending = outer.faults.get(endpoint)
                    status, payload = (pending.pop(0), {"error": "injected"}) if pending else respond()
                    outer.requests.append((endpoint, self.headers.get("Authorization", ""), status))
                data = json.dumps(payload).encode()
                self.send_response(status)
                if status in (429, 503):
                    self.send_header("Retry-After", "0")
                lfs = endpoint in ("batch", "verify")
                self.send_header("Content-Type", "application/vnd.git-lfs+json" if lfs else "application/json")
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
        """Each file's upload mode, and the oid of the file at that path (the SHA-256 of an LFS file's content)."""
        repo = self.repos[repo_id]
        files = json.loads(body)["files"]
        return 200, {"files": [{"path": f["path"], "shouldIgnore": False, "uploadMode": "lfs" if any(
            fnmatch.fnmatch(f["path"].rsplit("/", 1)[-1], pattern) for pattern in LFS_PATTERNS) else "regular",
                                "oid": self.remote_oid(repo, f["path"])} for f in files]}

    @staticmethod
    def remote_oid(repo: Repo, path: str) -> str | None:
        if path in repo.lfs_files:
            return repo.lfs_files[path]
        return git_blob_oid(repo.files[path]) if path in repo.files else None

    def batch(self, repo_id: str, body: bytes) -> tuple[int, dict]:
        """Upload and verify actions for each object the repository's LFS store lacks; none for the others."""
        request = json.loads(body)
        if request.get("operation") != "upload" or request.get("hash_algo", "sha256") != "sha256":
            return 422, {"message": "this test Hub takes uploads of sha256 objects only"}
        if "basic" not in request.get("transfers", ["basic"]):
            return 422, {"message": "this test Hub offers the basic transfer only"}
        store = self.repos[repo_id].lfs_store
        objects = []
        for obj in request["objects"]:
            oid, size = obj.get("oid"), obj.get("size")
            if not (isinstance(oid, str) and SHA256.match(oid) and isinstance(size, int) and size >= 0):
                objects.append({"oid": str(oid), "size": size if isinstance(size, int) else -1,
                                "error": {"code": 422, "message": "oid must be a SHA-256, size a byte count"}})
            elif oid in store:
                objects.append({"oid": oid, "size": size})
            else:
                key = secrets.token_hex(16)
                self.uploads[key] = (repo_id, oid, size)
                verify = f"{self.url}/datasets/{repo_id}.git/info/lfs/objects/verify"
                objects.append({"oid": oid, "size": size, "authenticated": True, "actions": {
                    "upload": {"href": f"{self.url}/lfs-storage/{key}", "expires_in": 86400},
                    "verify": {"href": verify, "expires_in": 86400}}})
        return 200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}

    def store(self, key: str, body: bytes) -> tuple[int, dict]:
        """The PUT on a presigned upload URL: kept only when the bytes are the object the batch answer named."""
        if key not in self.uploads:
            return 403, {"error": "no such presigned upload"}
        repo_id, oid, size = self.uploads[key]
        if len(body) != size or hashlib.sha256(body).hexdigest() != oid:
            return 400, {"error": f"received {len(body)} bytes that are not the object {oid} of {size} bytes"}
        self.repos[repo_id].lfs_store[oid] = body
        return 200, {}

    def verify(self, repo_id: str, body: bytes) -> tuple[int, dict]:
        request = json.loads(body)
        stored = self.repos[repo_id].lfs_store.get(request.get("oid"))
        if stored is None or len(stored) != request.get("size"):
            return 404, {"message": f"object {request.get('oid')} of {request.get('size')} bytes not stored"}
        return 200, {}

    def commit(self, repo_id: str, body: bytes) -> tuple[int, dict]:
        """Regular files, LFS pointers and deletions, all or none: a pointer to an object not stored is refused."""
        repo = self.repos[repo_id]
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        if lines[0]["key"] != "header" or any(line["key"] not in ("file", "lfsFile", "deletedFile")
                                              for line in lines[1:]):
            return 400, {"error": "this test Hub takes regular files, LFS files and deletions only"}
        dangling = [line["value"]["path"] for line in lines[1:] if line["key"] == "lfsFile" and len(
            repo.lfs_store.get(line["value"]["oid"], b"")) != line["value"]["size"]]
        if dangling:
            return 400, {"error": f"LFS pointers to objects that were not uploaded: {', '.join(dangling)}"}
        for line in lines[1:]:
            path = line["value"]["path"]
            repo.lfs_files.pop(path, None)
            if line["key"] == "deletedFile":
                del repo.files[path]
            elif line["key"] == "lfsFile":
                repo.files[path] = repo.lfs_store[line["value"]["oid"]]
                repo.lfs_files[path] = line["value"]["oid"]
            else:
                repo.files[path] = base64.b64decode(line["value"]["content"])
        oid = hashlib.sha1(body).hexdigest()
        repo.commits.append(oid)
        url = f"{self.url}/datasets/{repo_id}/commit/{oid}"
        return 200, {"commitUrl": url, "commitOid": oid, "pullRequestUrl": None}

    @staticmethod
    def tree_entry(repo: Repo, path: str) -> dict:
        """A file of the tree listing: an LFS file by its pointer's blob, with the object's SHA-256 and size."""
        data = repo.files[path]
        if path not in repo.lfs_files:
            return {"type": "file", "path": path, "size": len(data), "oid": git_blob_oid(data)}
        pointer = lfs_pointer(repo.lfs_files[path], len(data))
        return {"type": "file", "path": path, "size": len(data), "oid": git_blob_oid(pointer),
                "lfs": {"oid": repo.lfs_files[path], "size": len(data), "pointerSize": len(pointer)}}
