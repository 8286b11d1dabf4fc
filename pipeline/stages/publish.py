"""`curate publish`: a subset's dataset folder uploaded to the Hugging Face Hub as a dataset repository.

Not a Spark job: it sends files that `curate subset` wrote. The card and the shards go up; the `_` books
(`_stats.json`, `_job.json`, `_manifest.json`, `_SUCCESS`) and `report.html` (it shows removed documents) stay
local: the card already carries the books and the recipe."""

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx2
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import HFValidationError, get_token, validate_repo_id

from pipeline.messages import shown
from pipeline.storage.locations import RETRYABLE_STATUS, RetryPolicy
from pipeline.storage.output_dir import OutputDir

log = logging.getLogger(__name__)
T = TypeVar("T")


class PublishError(ValueError):
    """The folder cannot be published as it is, or the Hub refused it."""


@dataclass(frozen=True)
class Upload:
    path_in_repo: str
    size: int


def local_folder(directory: str) -> str:
    if "://" in directory and not directory.startswith("file://"):
        raise PublishError(f"{directory}: publish uploads a local folder; copy it here first")
    return directory.removeprefix("file://")


def publish_files(directory: str) -> list[Upload]:
    """The files a complete subset output publishes: README.md and its shards under data/, checked against its
    manifest; PublishError for a file under data/ the subset did not write (the card's patterns would take it)."""
    root = local_folder(directory)
    if not os.path.isdir(root):
        raise PublishError(f"{directory}: no such folder")
    try:
        OutputDir(root).job_of("subset")
    except ValueError as exc:
        raise PublishError(str(exc)) from None
    missing = [name for name in ("_SUCCESS", "README.md", "_job.json", "_manifest.json", "_stats.json")
               if not os.path.isfile(os.path.join(root, name))]
    if missing:
        raise PublishError(f"{directory} is not a complete `curate subset` output (no {', '.join(missing)}); "
                           "run `curate subset` to the end first")
    stats = _books(os.path.join(root, "_stats.json"))
    if stats.get("kept") == 0:
        raise PublishError(f"{directory} kept no document (NOTHING KEPT in its _stats.json): a dataset of one "
                           "empty shard; nothing to publish")
    with open(os.path.join(root, "_manifest.json")) as handle:
        written = {entry["file"]: entry["bytes"] for entry in json.load(handle)["files"]}
    for name, size in written.items():
        path = os.path.join(root, name)
        if not os.path.isfile(path) or os.path.getsize(path) != size:
            raise PublishError(f"{path}: missing or not the size its manifest gives ({size} bytes)")
    found = sorted(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
                   for folder, _, names in os.walk(os.path.join(root, "data")) for name in names
                   if not name.startswith("."))  # hidden files (.DS_Store) are neither shards nor uploaded
    foreign = [name for name in found if name not in written]
    if foreign:
        raise PublishError(f"{directory}: data/ holds files the subset did not write ({shown(foreign)}); they would "
                           "be published with it: move them out")
    return [Upload("README.md", os.path.getsize(os.path.join(root, "README.md"))),
            *[Upload(name, written[name]) for name in found]]


def _books(path: str) -> dict:
    """A subset's `_stats.json`; PublishError naming it when it is not a JSON object."""
    try:
        with open(path) as handle:
            stats = json.load(handle)
    except ValueError as exc:
        raise PublishError(f"{path}: not JSON ({exc}); run `curate subset` again into a new folder") from None
    if not isinstance(stats, dict):
        raise PublishError(f"{path}: not the books of a curate job (a JSON object)")
    return stats


def check_repo_id(repo_id: str) -> None:
    if repo_id.count("/") != 1:
        raise PublishError(f"--repo-id {repo_id!r}: expected NAMESPACE/NAME")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise PublishError(f"--repo-id {repo_id!r}: {exc}") from None


def repo_url(repo_id: str) -> str:
    return f"{constants.ENDPOINT}/datasets/{repo_id}"


def plan_text(directory: str, repo_id: str, files: list[Upload], private: bool) -> str:
    """What publish sends where: every file with its size and its path in the repository."""
    lines = [f"repository: {repo_url(repo_id)} ({'private' if private else 'public'} dataset)",
             f"from: {directory}"]
    width = max(len(f"{f.size:,}") for f in files)
    lines += [f"  {f.size:>{width},}  {f.path_in_repo}" for f in files]
    lines.append(f"{len(files)} files, {sum(f.size for f in files):,} bytes")
    return "\n".join(lines)


def publish(directory: str, repo_id: str, private: bool = False, retry: RetryPolicy = RetryPolicy()) -> str:
    """Create the dataset repository (or reuse it) and upload the folder; returns the commit URL.

    huggingface_hub's upload_folder is resumable (a rerun skips what the repository already has) and retries
    its own requests on 408/429/5xx, but not create_repo, nor the commit when it uploads through the LFS batch
    API (HF_HUB_DISABLE_XET=1), so both run here under `retry` too."""
    files = publish_files(directory)
    check_repo_id(repo_id)
    if get_token() is None:
        raise PublishError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    logging.getLogger("huggingface_hub").propagate = False  # it prints its own warnings; not each twice
    api = HfApi()
    _retrying(lambda: api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True), retry)
    root = local_folder(directory)
    with open(os.path.join(root, "_stats.json")) as handle:
        recipe = json.load(handle).get("recipe")
    # Shards of an earlier publish that this one does not have go (their names say -of-NNNNN: a glob in the
    # card would read them too); the new ones, and an unchanged card, are kept or skipped as unchanged.
    commit = _retrying(lambda: api.upload_folder(
        repo_id=repo_id, repo_type="dataset", folder_path=root, allow_patterns=[f.path_in_repo for f in files],
        delete_patterns=["data/**"], commit_message=f"curate subset of the recipe {recipe}"), retry)
    return commit.commit_url


def _retrying(call: Callable[[], T], retry: RetryPolicy) -> T:
    """The call, again after a backoff on 429, 5xx and broken connections; other errors at once, token-free."""
    for attempt in range(retry.attempts):
        try:
            return call()
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status not in RETRYABLE_STATUS or attempt + 1 == retry.attempts:
                hint = " (is the token valid, with write access to this namespace?)" if status in (401, 403) else ""
                raise PublishError(f"the Hub answered {status}{hint}: {exc}") from exc
            wait = retry.wait(attempt, exc.response.headers.get("Retry-After"))
        except httpx2.TransportError as exc:
            if attempt + 1 == retry.attempts:
                raise PublishError(f"cannot reach the Hub: {exc}") from exc
            wait = retry.wait(attempt)
        log.warning("the Hub is busy or unreachable; retrying in %.1f s (attempt %d of %d)",
                    wait, attempt + 2, retry.attempts)
        time.sleep(wait)
    raise AssertionError("unreachable")
