"""The demo crawl read back without Spark: deterministic, balanced books, the planted pages as planted."""

import re
from collections import Counter

import pyarrow as pa
import pytest

from pipeline.accounting import Stats
from pipeline.demo.crawl import DEMO_FILE_NAME, LANGUAGES, crawl_records, demo_records, write_demo_crawl
from pipeline.demo.warc_writer import write_warc
from pipeline.readers.langid import LanguageIdentifier, default_lid_model
from pipeline.readers.warc.documents import IngestOptions, warc_documents
from pipeline.readers.warc.records import WarcRecord, read_records
from pipeline.storage.locations import open_input


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> str:
    return write_demo_crawl(str(tmp_path_factory.mktemp("crawl")))


@pytest.fixture(scope="module")
def ingested(crawl) -> tuple[dict[str, dict], Stats]:
    stats = Stats()
    lid = LanguageIdentifier(default_lid_model())
    tables = warc_documents(lambda offset: open_input(crawl, offset), crawl, IngestOptions(), lid, stats)
    documents = pa.concat_tables(list(tables)).to_pylist()
    return {doc["url"]: doc for doc in documents}, stats


def kind(url: str) -> str:
    return re.match(r"https://[^/]+/([^/]+)/", url).group(1)


def articles(documents: dict[str, dict]) -> dict[str, dict]:
    """The original articles by their last path segment (article-N), which their copies share."""
    return {url.rsplit("/", 1)[1]: doc for url, doc in documents.items() if kind(url) in LANGUAGES}


def test_written_twice_byte_identically(crawl, tmp_path):
    again = write_demo_crawl(str(tmp_path / "again"))
    assert again.endswith(DEMO_FILE_NAME)
    with open(crawl, "rb") as first, open(again, "rb") as second:
        data = first.read()
        assert data == second.read()
    assert len(data) < 1_000_000


def responses(path: str) -> Counter:
    """The response records of a WARC by the kind of page (its URL's first folder)."""
    records = read_records(lambda offset: open_input(path, offset), path, 2**24)
    return Counter(kind(r.header("WARC-Target-URI")) for r in records if r.record_type == "response")


def test_a_larger_crawl_is_the_demo_scaled_in_parts_of_their_own(crawl, tmp_path):
    demo = responses(crawl)
    extra = [(f"https://licensed.example/extra/page-{n}", f"<html><body><p>page {n}</p></body></html>", {})
             for n in range(3)]
    parts = []
    for part in (1, 2):
        path = str(tmp_path / f"part-{part}.warc.gz")
        write_warc(path, crawl_records(f"part-{part}.warc.gz", part, 3, extra))
        parts.append(path)
        mix = responses(path)
        assert mix["extra"] == 3
        for planted, count in demo.items():  # the special pages (assets, missing, legacy) come once per file
            assert mix[planted] == (count if planted in ("assets", "missing", "legacy-charset") else 3 * count)
    urls = [{r.header("WARC-Target-URI") for r in read_records(lambda offset, p=p: open_input(p, offset), p, 2**24)
             if r.record_type == "response" and kind(r.header("WARC-Target-URI")) in LANGUAGES} for p in parts]
    assert urls[0] and not urls[0] & urls[1]
    assert list(crawl_records(DEMO_FILE_NAME)) == demo_records()


def test_each_page_is_a_request_response_and_metadata_in_2099(crawl):
    records = [r for r in read_records(lambda offset: open_input(crawl, offset), DEMO_FILE_NAME, 2**24)]
    assert all(isinstance(r, WarcRecord) and r.problem is None for r in records)
    assert records[0].record_type == "warcinfo"
    pages = records[1:]
    assert [r.record_type for r in pages] == ["request", "response", "metadata"] * (len(pages) // 3)
    assert all(r.date.year == 2099 and r.date.month == 1 for r in pages)
    mix = Counter(kind(r.header("WARC-Target-URI")) for r in pages if r.record_type == "response")
    assert 120 <= sum(mix.values()) <= 200
    assert mix["en"] > sum(mix.values()) / 3 and min(mix["de"], mix["fr"], mix["es"]) >= 8
    assert mix["dup-exact"] >= 5 and mix["dup-near"] >= 10 and mix["boilerplate"] >= 3 and mix["spam"] >= 3
    assert mix["assets"] >= 3 and mix["missing"] >= 1 and mix["legacy-charset"] == 2


def test_books_balance_and_non_html_and_errors_are_dropped(ingested):
    documents, stats = ingested
    assert stats.balanced and not stats.errors
    assert stats.kept == len(documents)
    assert stats.dropped["not_html"] >= 3
    assert stats.dropped["http_status"] >= 1
    assert not any(kind(url) in ("assets", "missing") for url in documents)


def test_planted_languages_are_identified(ingested):
    documents, _ = ingested
    for lang in ("de", "fr", "es"):
        found = [doc["language"] for url, doc in documents.items() if f"/{lang}/" in url]
        assert found.count(lang) >= 8, (lang, Counter(found))
    english = [doc["language"] for url, doc in documents.items() if "/en/" in url]
    assert english.count("en") >= 0.9 * len(english) > 0
    assert all(doc["crawl"] == "CC-MAIN-2099-01" for doc in documents.values())


def copies_with_originals(documents: dict, planted: str) -> list[tuple[dict, dict]]:
    """(copy, original) for each planted copy of the kind `planted`; a copy's URL ends with its original's key."""
    originals = articles(documents)
    return [(doc, originals[url.rsplit("/", 1)[1]]) for url, doc in documents.items() if kind(url) == planted]


def test_exact_duplicates_give_the_text_of_their_originals(ingested):
    pairs = copies_with_originals(ingested[0], "dup-exact")
    assert len(pairs) >= 5
    for doc, original in pairs:
        assert doc["text"] == original["text"] and doc["url"] != original["url"]


def test_near_duplicates_differ_from_their_originals_by_a_few_words(ingested):
    pairs = copies_with_originals(ingested[0], "dup-near")
    assert len(pairs) >= 10
    for doc, original in pairs:
        copy_words, original_words = doc["text"].split(), original["text"].split()
        assert len(copy_words) == len(original_words)
        assert 1 <= sum(a != b for a, b in zip(copy_words, original_words, strict=True)) <= 10


@pytest.mark.parametrize(
    ("path", "words"),
    [("/legacy-charset/de-latin1", ["Bürgermeister", "grüßt", "Gäste", "Hauptstraße"]),
     ("/legacy-charset/fr-cp1252", ["L’été", "élèves", "cœur", "5 €"])],
)
def test_legacy_charset_pages_decode_cleanly(ingested, path, words):
    documents, _ = ingested
    [doc] = [doc for url, doc in documents.items() if url.endswith(path)]
    assert "\ufffd" not in doc["text"]
    for word in words:
        assert word in doc["text"]
