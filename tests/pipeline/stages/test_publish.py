"""`curate publish` of a real subset output: the dry run, and an upload to a Hub on loopback that is busy at first.

The shards go up through the LFS batch API: HF_HUB_DISABLE_XET=1 keeps huggingface_hub off Xet storage, which
the loopback Hub does not serve (tests/helpers/hub_server.py)."""

import hashlib
import os
import shutil
import subprocess
import sys

from tests.helpers.hub_server import HubServer
from tests.helpers.paths import REPO
from tests.helpers.subsets import subset_recipe

TOKEN = "hf_TestTokenThatMustNeverBePrinted0123"


def curate_publish(*args, endpoint: str, home, token: str | None = TOKEN) -> subprocess.CompletedProcess:
    """`curate publish ...` in its own process, as a user runs it: huggingface_hub reads HF_* when imported."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(home), HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_XET="1",
               PYTHONPATH=str(REPO))
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "publish", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def published_files(folder) -> dict[str, bytes]:
    """What a subset folder publishes: the card and the shards, not the `_` books."""
    files = {"README.md": (folder / "README.md").read_bytes()}
    files.update({path.relative_to(folder).as_posix(): path.read_bytes() for path in (folder / "data").rglob("*")
                  if path.is_file()})
    return files


def test_dry_run_lists_every_file_and_sends_nothing(parity_subset, tmp_path):
    with HubServer() as hub:
        run = curate_publish(str(parity_subset), "--repo-id", "curators/parity", "--dry-run", endpoint=hub.url,
                             home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert hub.requests == []
    assert f"{hub.url}/datasets/curators/parity" in run.stdout
    expected = published_files(parity_subset)
    assert len(expected) > 2  # the card and several shards
    listed = [line.split() for line in run.stdout.splitlines() if line.startswith("  ")]
    assert {path: int(size.replace(",", "")) for size, path in listed} == {
        path: len(data) for path, data in expected.items()}
    assert "_stats.json" not in run.stdout and "nothing sent" in run.stdout


def test_upload_sends_the_shards_through_the_lfs_batch_api_past_429_and_503_and_a_rerun_sends_nothing_new(
        parity_subset, tmp_path):
    faults = {"create": [429, 503], "preupload": [503, 429], "batch": [429, 503], "upload": [503, 429],
              "verify": [429, 503], "commit": [429, 503]}
    with HubServer(faults) as hub:
        run = curate_publish(str(parity_subset), "--repo-id", "curators/parity", "--private", "--retry-wait", "0.1",
                             endpoint=hub.url, home=tmp_path)
        assert run.returncode == 0, run.stderr
        repo = hub.repos["curators/parity"]
        expected = published_files(parity_subset)
        shards = {path: hashlib.sha256(data).hexdigest() for path, data in expected.items() if path != "README.md"}
        assert len(shards) > 1 and all(path.endswith(".parquet") for path in shards)
        assert repo.files == expected and repo.private
        assert repo.lfs_files == shards  # committed as pointers to the SHA-256 of each local shard; the card inline
        assert len(repo.commits) == 1
        statuses = [(endpoint, status) for endpoint, _, status in hub.requests if endpoint != "other"]
        for endpoint, injected in faults.items():
            seen = [s for e, s in statuses if e == endpoint]
            assert seen[:len(injected)] == injected and set(seen[len(injected):]) == {200}, (endpoint, seen)
        # each shard's bytes were stored once: each refused commit made publish run upload_folder again, whose
        # batch call found every object stored and asked for no upload
        assert [s for e, s in statuses if e == "upload"].count(200) == len(shards)
        assert [s for e, s in statuses if e == "verify"].count(200) == len(shards)
        assert [s for e, s in statuses if e == "batch"].count(200) == len(faults["commit"]) + 1
        assert {auth for endpoint, auth, _ in hub.requests if endpoint != "upload"} == {f"Bearer {TOKEN}"}
        assert {auth for endpoint, auth, _ in hub.requests if endpoint == "upload"} == {""}  # presigned: no token
        sent_before = len(hub.requests)
        again = curate_publish(str(parity_subset), "--repo-id", "curators/parity", endpoint=hub.url, home=tmp_path)
        assert again.returncode == 0, again.stderr
        resent = {endpoint for endpoint, _, _ in hub.requests[sent_before:]}
        assert "preupload" in resent and not resent & {"upload", "verify", "commit"}
        assert len(repo.commits) == 1  # everything already there: resumed to nothing
    for output in (run.stdout, run.stderr, again.stdout, again.stderr):
        assert TOKEN not in output


def test_refusals_and_failures_name_the_problem_and_never_the_token(parity_subset, parity_signals, tmp_path):
    with HubServer({"preupload": [401]}) as hub:
        refused = curate_publish(str(parity_signals), "--repo-id", "curators/parity", endpoint=hub.url, home=tmp_path)
        assert refused.returncode == 2
        assert f"{parity_signals} holds the output of `curate signals`, not of `curate subset`" in refused.stderr
        partial = tmp_path / "partial"
        shutil.copytree(parity_subset, partial)
        (partial / "_SUCCESS").unlink()
        unfinished = curate_publish(str(partial), "--repo-id", "curators/parity", endpoint=hub.url, home=tmp_path)
        assert "(no _SUCCESS)" in unfinished.stderr
        foreign = tmp_path / "foreign"
        shutil.copytree(parity_subset, foreign)
        shard = next((foreign / "data").rglob("*.parquet"))
        shutil.copy(shard, shard.with_name("train-extra.parquet"))
        extra = curate_publish(str(foreign), "--repo-id", "curators/parity", endpoint=hub.url, home=tmp_path)
        assert extra.returncode == 2 and "data/ holds files the subset did not write (data/" in extra.stderr
        assert "train-extra.parquet); they would be published with it" in extra.stderr
        assert hub.requests == []
        anonymous = curate_publish(str(parity_subset), "--repo-id", "curators/parity", endpoint=hub.url,
                                   home=tmp_path, token=None)
        assert "no Hugging Face token: set HF_TOKEN or run `hf auth login`" in anonymous.stderr
        denied = curate_publish(str(parity_subset), "--repo-id", "curators/parity", endpoint=hub.url, home=tmp_path)
        assert denied.returncode == 2 and "the Hub answered 401" in denied.stderr
        assert hub.repos["curators/parity"].files == {}
    for run in (refused, unfinished, extra, anonymous, denied):
        assert TOKEN not in run.stdout + run.stderr


def test_a_second_publish_replaces_the_shards_of_the_first(spark, parity_subset, deduplicated, tmp_path):
    from pipeline.stages.subset.plan import plan_subset
    from pipeline.stages.subset.run import run_subset
    from recipes.loader import parse_recipe

    fewer = tmp_path / "one-shard"
    run_subset(spark, plan_subset(parse_recipe(subset_recipe(deduplicated, fewer, "100MB"), "again.yaml")))
    first, second = published_files(parity_subset), published_files(fewer)
    assert len(second) == 2 and len(first) > 2
    with HubServer() as hub:
        for folder in (parity_subset, fewer):
            run = curate_publish(str(folder), "--repo-id", "curators/parity", endpoint=hub.url, home=tmp_path)
            assert run.returncode == 0, run.stderr
        assert hub.repos["curators/parity"].files == second
