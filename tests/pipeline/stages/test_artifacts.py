"""`curate artifacts build` and `curate artifacts fetch`, and `curate signals` reading what they write."""

import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tarfile

import fasttext
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli.main import main
from pipeline.schema import MODEL_SIGNAL_FIELDS
from pipeline.stages.artifacts import UT1_URL, read_texts
from pipeline.stages.signals.run import run_signals
from signals.training.ut1_table import category_ids
from tests.helpers.corpora import ENWIKI, WEB, web_documents, wiki_articles
from tests.helpers.http_server import Faults, LoopbackServer

LDNOOBW = ("en", "fr", "es", "it", "de")


@pytest.fixture(scope="module")
def built(shared_data, tmp_path_factory):
    """An artifacts directory built from Wikipedia articles (Parquet), web documents and the UT1 sample."""
    work = tmp_path_factory.mktemp("build")
    wiki = work / "enwiki.parquet"
    pq.write_table(pa.table({"text": wiki_articles(shared_data / ENWIKI)[:50]}), wiki)
    directory = work / "built-artifacts"  # Spark ships it by name: not the name of ../shared/data/artifacts
    code = main(["artifacts", "build", "--artifacts", str(directory), "--language", "en",
                 "--cc", str(shared_data / WEB), "--wikipedia", str(wiki),
                 "--ut1", str(shared_data / "wordlists" / "ut1"), "--classifier-samples", "40",
                 "--dsir-samples", "300"])
    assert code == 0
    return directory


def test_build_writes_the_reference_layout(built, shared_data, capsys):
    assert sorted(str(p.relative_to(built)) for p in built.rglob("*") if p.is_file()) == [
        "bad_urls/category_index.json", "bad_urls/domain_to_category_id.json", "classifiers/en/palm.model.bin",
        "dsir/en/ccnet.en.10000.counts.npy", "dsir/en/ccnet.en.lambda.npy",
        "dsir/en/wikipedia.en.10000.counts.npy", "dsir/en/wikipedia.en.lambda.npy"]
    model = fasttext.load_model(str(built / "classifiers/en/palm.model.bin"))
    assert sorted(label for _, label in model.f.predict("some text\n", 2, 0.0, "replace")) == [
        "__label__cc", "__label__palm"]
    web_counts = np.load(built / "dsir/en/ccnet.en.10000.counts.npy")
    assert web_counts.shape == (10000,) and web_counts.dtype == np.int64
    # --dsir-samples 300: the first 300 web documents, lambda their mean number of WordPunct tokens
    assert float(np.load(built / "dsir/en/ccnet.en.lambda.npy")) > 50
    table = json.loads((built / "bad_urls/domain_to_category_id.json").read_text())
    assert table["0-casino.info"] == category_ids()[("gambling",)]
    assert len(json.loads((built / "bad_urls/category_index.json").read_text())) == 8191


def test_a_build_is_reproducible(built, shared_data, tmp_path):
    """The same corpora and --seed give the same classifier byte for byte, in a process of its own: fastText trains
    on one thread (with more, its threads race on the weights)."""
    again = tmp_path / "again"
    subprocess.run([sys.executable, "-m", "pipeline.cli", "artifacts", "build", "--artifacts", str(again),
                    "--language", "en", "--cc", str(shared_data / WEB), "--wikipedia",
                    str(built.parent / "enwiki.parquet"), "--classifier-samples", "40", "--dsir-samples", "300"],
                   check=True, capture_output=True)
    model = "classifiers/en/palm.model.bin"
    assert (again / model).read_bytes() == (built / model).read_bytes()


def test_signals_on_spark_fill_the_model_columns(built, spark, shared_data, tmp_path):
    web, wiki = web_documents(shared_data / WEB), wiki_articles(shared_data / ENWIKI)
    rows = [{"id": "casino", "text": web[-1], "language": "en", "url": "http://0-casino.info/poker"},
            {"id": "web", "text": web[-2], "language": "en", "url": "https://www.0-casino.info/"},
            {"id": "wiki", "text": wiki[-1], "language": "en", "url": None},
            {"id": "german", "text": "Ein kurzer Text auf Deutsch.", "language": "de", "url": "http://0-casino.info/"},
            {"id": "empty", "text": "", "language": "en", "url": None}]
    documents = tmp_path / "docs.jsonl"
    documents.write_text("".join(json.dumps(row) + "\n" for row in rows))
    stats = run_signals(spark, [str(documents)], str(tmp_path / "out"), str(built), progress=False)
    assert stats["read"] == stats["kept"] == 5
    table = pq.read_table(str(tmp_path / "out"))
    for field in MODEL_SIGNAL_FIELDS:
        assert table.schema.field(field.name).type == field.type
    assert table.schema.field("rps_doc_ut1_blacklist").type == pa.int64()
    got = {row["id"]: row for row in table.to_pylist()}
    gambling = category_ids()[("gambling",)]
    assert [got[i]["rps_doc_ut1_blacklist"] for i in ("casino", "web", "wiki", "german")] == [gambling, None, None,
                                                                                              gambling]
    for i in ("casino", "web", "wiki"):
        assert 0 <= got[i]["rps_doc_ml_palm_score"] <= 1.00001
        assert isinstance(got[i]["rps_doc_wikipedia_importance"], float)
        assert got[i]["rps_doc_ml_wikiref_score"] is None and got[i]["rps_doc_books_importance"] is None
    assert got["wiki"]["rps_doc_wikipedia_importance"] > 0 > got["casino"]["rps_doc_wikipedia_importance"]
    model_columns = [field.name for field in MODEL_SIGNAL_FIELDS if field.name != "rps_doc_ut1_blacklist"]
    assert all(got[i][name] is None for i in ("german", "empty") for name in model_columns)


def test_signals_name_a_missing_artifact_once_under_its_folder(built, ccnet_models, spark, shared_data, tmp_path,
                                                                caplog):
    """Everything RedPajama-V2 has for English and German but wikiref: one warning for the job, naming wikiref
    under --artifacts, none for the models RedPajama-V2 never has (RedPajama-Data app/src/prep_artifacts.py)."""
    artifacts = tmp_path / "artifacts-but-wikiref"
    shutil.copytree(built, artifacts)
    # stand-ins under the other names (the values do not matter here, only which files exist)
    stand_ins = {"classifiers/de/wikipedia.model.bin": "classifiers/en/palm.model.bin"}
    for language, dataset in (("en", "books"), ("en", "openwebtext"), ("de", "ccnet"), ("de", "wikipedia")):
        for kind in ("10000.counts", "lambda"):
            stand_ins[f"dsir/{language}/{dataset}.{language}.{kind}.npy"] = f"dsir/en/wikipedia.en.{kind}.npy"
    for language in ("en", "de"):
        for suffix in ("sp.model", "arpa"):
            stand_ins[f"lm/{language}.{suffix}"] = ccnet_models / f"en.{suffix}"
    for name, source in stand_ins.items():
        (artifacts / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(artifacts / source, artifacts / name)
    web = web_documents(shared_data / WEB)
    inputs = []
    for language in ("en", "de"):  # two files, two units: still one warning
        inputs.append(tmp_path / f"{language}.jsonl")
        inputs[-1].write_text("".join(json.dumps({"id": f"{language}{i}", "text": text, "language": language,
                                                  "url": "https://example.com/"}) + "\n"
                                      for i, text in enumerate(web[:5])))
    with caplog.at_level(logging.WARNING, logger="pipeline.stages.signals.run"):
        stats = run_signals(spark, [str(i) for i in inputs], str(tmp_path / "out"), str(artifacts), progress=False)
    assert stats["missing_artifacts"] == ["classifiers/en/wikiref.model.bin"]
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and f"{artifacts} has no classifiers/en/wikiref.model.bin" in warnings[0]
    table = pq.read_table(str(tmp_path / "out")).to_pylist()
    assert all(row["rps_doc_ml_wikiref_score"] is None for row in table)
    assert all(row["ccnet_perplexity"] is not None and row["rps_doc_wikipedia_importance"] is not None
               for row in table)


def test_corpus_files_in_every_format(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"first document\r\n\r\nsecond document\n")
    with gzip.open(tmp_path / "b.txt.gz", "wt") as handle:
        handle.write("third document\n")
    (tmp_path / "c.jsonl").write_text('{"text": "fourth"}\n{"text": null}\n')
    files = [str(tmp_path / name) for name in ("a.txt", "b.txt.gz", "c.jsonl")]
    assert list(read_texts(files)) == ["first document", "second document", "third document", "fourth", ""]
    (tmp_path / "d.jsonl").write_text('{"body": "no text"}\n')
    with pytest.raises(ValueError, match=r"d\.jsonl: no `text` column"):
        list(read_texts([str(tmp_path / "d.jsonl")]))
    (tmp_path / "e.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(ValueError, match=r"e\.txt: not UTF-8"):
        list(read_texts([str(tmp_path / "e.txt")]))


def ut1_archive(blacklists, top: str = "blacklists") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(blacklists, arcname=top)
    return buffer.getvalue()


def test_fetch_downloads_the_lists_as_the_reference_writes_them(shared_data, tmp_path, capsys):
    lists = shared_data / "wordlists"
    files = {f"/LDNOOBW/master/{lang}": (lists / "ldnoobw" / lang).read_bytes() for lang in LDNOOBW}
    files["/blacklists/download/blacklists.tar.gz"] = ut1_archive(lists / "ut1")
    directory = tmp_path / "artifacts"
    with LoopbackServer(files) as server:
        code = main(["artifacts", "fetch", "--artifacts", str(directory),
                     "--ldnoobw-url", server.url("/LDNOOBW/master/{lang}"),
                     "--ut1-url", server.url("/blacklists/download/blacklists.tar.gz")])
    assert code == 0
    for lang in LDNOOBW:  # the same entries as the reference's own artifacts (their order is a set's)
        fetched = (directory / "bad_words" / f"{lang}.txt").read_text(encoding="utf-8").split("\n")
        reference = (shared_data / "artifacts" / "bad_words" / f"{lang}.txt").read_text(encoding="utf-8")
        assert sorted(fetched) == sorted(reference.split("\n"))
        assert (directory / "bad_words" / f"_{lang}_FETCH_TIMESTAMP").read_text().isdigit()
    assert (directory / "bad_urls" / "blacklists" / "gambling" / "domains").exists()
    table = json.loads((directory / "bad_urls" / "domain_to_category_id.json").read_text())
    assert len(table) == 32247
    assert "domain_to_category_id.json: 32247 domains" in capsys.readouterr().out


def test_fetch_offline_says_what_is_missing(tmp_path, capsys):
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused, as offline
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["artifacts", "fetch", "--artifacts", str(tmp_path / "a"), "--retries", "1",
                 "--ldnoobw-url", f"http://127.0.0.1:{port}/{{lang}}"])
    assert code == 2
    error = capsys.readouterr().err
    assert f"http://127.0.0.1:{port}/en" in error and "needs the network" in error
    assert not (tmp_path / "a" / "bad_words" / "en.txt").exists()
    with LoopbackServer({}) as server:  # online, but the list does not exist
        assert main(["artifacts", "fetch", "--artifacts", str(tmp_path / "a"), "--languages", "xx", "--no-ut1",
                     "--ldnoobw-url", server.url("/{lang}")]) == 2
    assert f"{server.url('/xx')}: HTTP 404" in capsys.readouterr().err


def test_fetch_rejects_an_archive_without_blacklists(shared_data, tmp_path, capsys):
    files = {"/b.tar.gz": ut1_archive(shared_data / "wordlists" / "ut1", top="lists")}
    with LoopbackServer(files) as server:
        code = main(["artifacts", "fetch", "--artifacts", str(tmp_path), "--languages", "", "--ut1-url",
                     server.url("/b.tar.gz")])
    assert code == 2
    assert "the archive has no blacklists/ folder" in capsys.readouterr().err
    assert not (tmp_path / "bad_urls" / "blacklists").exists()


def tar_gz(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A tar.gz of files (their folders implied) and symbolic links (name -> target)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def fetch_ut1(server: LoopbackServer, directory, *options: str) -> int:
    return main(["artifacts", "fetch", "--artifacts", str(directory), "--languages", "", "--retries", "2",
                 "--ut1-url", server.url("/blacklists.tar.gz"), *options])


@pytest.fixture
def fetched(shared_data, tmp_path):
    """An artifacts directory holding a good UT1 fetch, and the sample's archive."""
    archive = ut1_archive(shared_data / "wordlists" / "ut1")
    with LoopbackServer({"/blacklists.tar.gz": archive}) as server:
        assert fetch_ut1(server, tmp_path / "artifacts") == 0
    return tmp_path / "artifacts", archive


def kept(directory) -> bool:
    """Whether the good fetch's table and folder are still in place."""
    table = json.loads((directory / "bad_urls" / "domain_to_category_id.json").read_text())
    return len(table) == 32247 and (directory / "bad_urls" / "blacklists" / "gambling" / "domains").is_file()


def test_the_default_ut1_url_is_https():
    """UT1's host serves https; the reference's update_resources.py reads it over plain http."""
    assert UT1_URL == "https://dsi.ut-capitole.fr/blacklists/download/blacklists.tar.gz"


def test_fetch_prints_each_digest_and_checks_the_pinned_ones(fetched, shared_data, capsys):
    directory, archive = fetched
    digest = hashlib.sha256(archive).hexdigest()
    words = (shared_data / "wordlists" / "ldnoobw" / "en").read_bytes()
    files = {"/blacklists.tar.gz": archive, "/en": words}
    wrong = "0" * 64
    with LoopbackServer(files) as server:
        assert fetch_ut1(server, directory, "--sha256", f"ut1={wrong}") == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and (f"blacklists.tar.gz: SHA-256 {digest}, not the {wrong} pinned by "
                                            f"--sha256; {directory / 'bad_urls'} is left as it was") in error
        assert kept(directory) and not list((directory / "bad_urls").glob(".download-*"))
        assert fetch_ut1(server, directory, "--sha256", f"utl={digest}") == 2  # a misspelt name checks nothing
        assert "--sha256 utl: not downloaded here (the names: ut1)" in capsys.readouterr().err
        assert main(["artifacts", "fetch", "--artifacts", str(directory), "--languages", "en", "--ldnoobw-url",
                     server.url("/{lang}"), "--ut1-url", server.url("/blacklists.tar.gz"), "--sha256",
                     f"ut1={digest.upper()}", "--sha256",
                     f"ldnoobw/en={hashlib.sha256(words).hexdigest()}"]) == 0
    out = capsys.readouterr().out
    assert f"from {server.url('/en')} (sha256 {hashlib.sha256(words).hexdigest()})" in out
    assert (f"bad_urls/blacklists: 6 files, 694,598 bytes from {server.url('/blacklists.tar.gz')} "
            f"(sha256 {digest})") in out


@pytest.mark.parametrize(("option", "refusal"), [
    ("--max-file-bytes=1MB", "blacklists/gambling/domains unpacks to 8,388,608 bytes, over --max-file-bytes "
                             "(1,048,576)"),
    ("--max-extracted-bytes=8MB", "unpacks to over --max-extracted-bytes (8,388,608)"),
    ("--max-entries=1", "holds over --max-entries (1) files and folders"),
    ("--max-download-bytes=4KB", "larger than --max-download-bytes (4,096 bytes)"),
])
def test_fetch_refuses_an_archive_over_a_limit(fetched, option, refusal, capsys):
    """A few KB of tar.gz that unpack to 8 MiB of zeros: refused before it is unpacked, as the 4 MB tar.gz that
    would have written 4 GiB."""
    directory, _ = fetched
    bomb = tar_gz({"blacklists/gambling/domains": bytes(8 << 20), "blacklists/porn/domains": b"x.example\n"})
    with LoopbackServer({"/blacklists.tar.gz": bomb}) as server:
        assert fetch_ut1(server, directory, option) == 2
    assert f"blacklists.tar.gz: {refusal}; {directory / 'bad_urls'} is left as it was" in capsys.readouterr().err
    assert kept(directory) and not list((directory / "bad_urls").glob(".download-*"))


def test_fetch_unpacks_files_only_and_refuses_a_blacklists_that_is_a_link_or_empty(fetched, shared_data, capsys,
                                                                                      caplog):
    directory, archive = fetched
    for hostile, refusal in ((tar_gz({}, {"blacklists": "."}), "the archive has no blacklists/ folder"),
                             (tar_gz({"blacklists/gambling/urls": b"x.example/a\n"}), "no domain in the `domains` "
                                                                                    "files of UT1's 13 categories")):
        with LoopbackServer({"/blacklists.tar.gz": hostile}) as server:
            assert fetch_ut1(server, directory) == 2
        assert refusal in capsys.readouterr().err and kept(directory)
    # the state a fetch of the linked archive left before: bad_urls/blacklists -> . (the next fetch crashed)
    bad_urls = directory / "bad_urls"
    os.rename(bad_urls / "blacklists", bad_urls / "old")
    os.symlink(".", bad_urls / "blacklists")
    links = {"blacklists/gambling/passwd": "/etc/passwd", "blacklists/porn": "../../.."}
    with LoopbackServer({"/blacklists.tar.gz": tar_gz({"blacklists/gambling/domains": b"casino.example\n"},
                                                      links)}) as server:
        assert fetch_ut1(server, directory) == 0
    assert not (bad_urls / "blacklists").is_symlink()
    assert sorted(str(p.relative_to(bad_urls / "blacklists")) for p in (bad_urls / "blacklists").rglob("*")) == [
        "gambling", "gambling/domains"]
    assert "skipped 2 entries that are neither files nor folders (links, devices)" in caplog.text
    assert json.loads((bad_urls / "domain_to_category_id.json").read_text()) == {
        "casino.example": category_ids()[("gambling",)]}


def test_fetch_downloads_a_file_that_changed_midway_again_from_the_start(shared_data, tmp_path, capsys):
    """The archive is replaced while it is downloaded: the resumed request's If-Range no longer matches, and the
    new archive is downloaded whole instead of its tail being spliced onto the old one's head."""
    lists = shared_data / "wordlists" / "ut1"
    old = ut1_archive(lists)
    domains = (lists / "gambling" / "domains").read_bytes().splitlines(keepends=True)
    new = tar_gz({"blacklists/gambling/domains": b"".join(domains[::2])})
    assert len(old) > 50_000 and len(new) > 50_000
    faults = Faults(drop_after=50_000, changes_to=new)
    with LoopbackServer({"/blacklists.tar.gz": old}, faults) as server:
        assert fetch_ut1(server, tmp_path) == 0
    assert faults.requests == ["full", "bytes=50000-", "full"] and faults.if_ranges[1].startswith('"')
    table = json.loads((tmp_path / "bad_urls" / "domain_to_category_id.json").read_text())
    assert len(table) == len(set(domains[::2])) < 32247
    assert f"(sha256 {hashlib.sha256(new).hexdigest()})" in capsys.readouterr().out


def test_build_errors_say_what_is_missing(tmp_path, capsys):
    assert main(["artifacts", "build", "--artifacts", str(tmp_path)]) == 2
    assert "curate artifacts: error: nothing to build" in capsys.readouterr().err
    assert main(["artifacts", "build", "--artifacts", str(tmp_path), "--cc", str(tmp_path / "web.jsonl")]) == 2
    assert "curate artifacts: error: corpora need --language" in capsys.readouterr().err
    assert main(["artifacts", "build", "--artifacts", str(tmp_path / "a"), "--language", "en",
                 "--cc", str(tmp_path / "web.jsonl")]) == 2
    assert "web.jsonl: no such corpus file" in capsys.readouterr().err
    (tmp_path / "empty.jsonl").write_text("")
    assert main(["artifacts", "build", "--artifacts", str(tmp_path / "a"), "--language", "en",
                 "--wikipedia", str(tmp_path / "empty.jsonl")]) == 2
    assert "wikipedia corpus" in capsys.readouterr().err and not (tmp_path / "a" / "dsir").exists()
    (tmp_path / "ut1" / "gambling").mkdir(parents=True)  # a category without domains: an empty table is refused
    assert main(["artifacts", "build", "--artifacts", str(tmp_path / "a"), "--ut1", str(tmp_path / "ut1")]) == 2
    assert "ut1: no domain in the `domains` files of UT1's 13 categories" in capsys.readouterr().err
    assert not (tmp_path / "a" / "bad_urls").exists()


def test_a_small_web_sample_cuts_the_targets_to_its_size(shared_data, tmp_path, capsys):
    """The two classes of the classifier stay equal: 10 web documents train against 10 Wikipedia articles, not 40."""
    wiki, web = tmp_path / "wiki.parquet", tmp_path / "web.parquet"
    pq.write_table(pa.table({"text": wiki_articles(shared_data / ENWIKI)[:50]}), wiki)
    pq.write_table(pa.table({"text": web_documents(shared_data / WEB)[:10]}), web)
    assert main(["artifacts", "build", "--artifacts", str(tmp_path / "a"), "--language", "en", "--cc", str(web),
                 "--wikipedia", str(wiki), "--classifier-samples", "40", "--dsir-samples", "50"]) == 0
    assert ("palm.model.bin: 10 target and 10 web documents (the web sample holds 10), training accuracy"
            in capsys.readouterr().out)
