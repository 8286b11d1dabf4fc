"""The MediaWiki reader on the real dump samples and on generated dumps: clean articles, every page counted, the
licence by the revision's date, a multistream dump read in slices as read whole."""

import bz2
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from pipeline.accounting import Stats
from pipeline.readers.sources import mediawiki
from pipeline.readers.sources.spec import Piece, parse_source
from pipeline.storage.sniff import decompressed
from tests.helpers.mediawiki_dumps import article, disambiguation, dump_xml, redirect, write_multistream

MARKUP = ("{{", "}}", "[[", "]]", "<ref", "{|", "|}")
PLAIN_LINE = re.compile(r"^[^\[\]{}<>'|=*#:;&_]{80,}$")  # a line of wikitext with no markup in it at all


def wiki_source(options: str = ""):
    return parse_source(f"name: wiki\nreader: mediawiki\npaths: [x]\n{options}", "test.yaml")


def read(path, source=None, span=None) -> tuple[list[dict], Stats]:
    stats = Stats()
    rows = list(mediawiki.documents(Piece(str(path), span), source or wiki_source(), stats))
    stats.keep(len(rows))  # as the stage does
    return rows, stats


def dump_root(path) -> ET.Element:
    """The dump read here whole with ElementTree (the samples are small), whatever its encoding."""
    with open(path, "rb") as raw:
        return ET.fromstring(decompressed(raw).read())


def field(page: ET.Element, path: str) -> str | None:
    found = page.find("/".join(f"{{*}}{part}" for part in path.split("/")))
    return found.text if found is not None else None


@pytest.mark.parametrize("name, language", [("enwiki-*-shortened.bz2", "en"), ("bgwiki-*-shortened.xml.bz2", "bg")])
def test_the_dump_samples_come_out_as_clean_articles(shared_data, name, language):
    path = next((shared_data / "corpus").glob(name))
    rows, stats = read(path)
    root = dump_root(path)
    pages = root.findall("{*}page")
    main = [p for p in pages if field(p, "ns") == "0"]
    articles = {field(p, "id"): p for p in main if p.find("{*}redirect") is None}
    assert stats.read == len(pages) and stats.balanced
    assert stats.dropped["not_main_namespace"] == len(pages) - len(main)
    assert stats.dropped["redirect"] == len(main) - len(articles)
    assert stats.kept == len(articles) - stats.dropped["disambiguation"] > 0
    base = re.sub(r"/[^/]*$", "/", root.find("{*}siteinfo/{*}base").text)
    found = plain = 0
    for row in rows:
        page = articles[row["meta"]["page_id"]]
        wikitext = field(page, "revision/text")
        assert not [mark for mark in MARKUP if mark in row["text"]], row["meta"]["title"]
        assert row["url"].startswith(base) and row["language"] == language and row["source"] == "wiki"
        assert row["date"].isoformat().replace("+00:00", "Z") == field(page, "revision/timestamp")
        assert row["license"] == "CC-BY-SA-3.0"  # every revision in the samples is from before June 2023
        lines = set(row["text"].splitlines())
        headings = [m.strip() for m in re.findall(r"^=+([^=\[{<'&]+)=+\s*$", wikitext, re.MULTILINE)]
        assert all(heading in lines for heading in headings), row["meta"]["title"]
        paragraphs = [line.strip() for line in wikitext.splitlines() if PLAIN_LINE.match(line)]
        plain, found = plain + len(paragraphs), found + sum(paragraph in lines for paragraph in paragraphs)
        assert "\n\n" in row["text"] or len(paragraphs) < 2
    # the dump's lines without markup are paragraphs, kept whole; the few others are inside a reference, a comment,
    # a table or a template (a quotation), which go
    assert found >= 0.95 * plain


def test_generated_articles_keep_their_prose_and_lose_their_markup(tmp_path):
    pages = [article(1, "Alpha"), article(2, "Beta"), redirect(3, "Alfa", "Alpha"), disambiguation(4, "Gamma"),
             article(5, "Talk about Alpha")]
    pages[-1].ns = 1
    (tmp_path / "dump.xml").write_text(dump_xml(pages))
    rows, stats = read(tmp_path / "dump.xml")
    assert stats.to_dict()["dropped"] == {"redirect": 1, "disambiguation": 1, "not_main_namespace": 1}
    assert [row["meta"]["title"] for row in rows] == ["Alpha", "Beta"]
    for row, page in zip(rows, pages, strict=False):
        lines = row["text"].splitlines()
        assert all(kept in lines for kept in page.kept)
        assert not [word for word in page.removed if word in row["text"]]
        assert row["url"] == f"https://en.wikipedia.org/wiki/{page.title}"
        assert row["meta"]["page_id"] == str(page.id) and row["meta"]["dump"] == "dump.xml"


def test_the_licence_follows_the_revision_date_across_the_switch(tmp_path):
    switch = mediawiki.WIKIMEDIA_CC4
    stamps = [switch - timedelta(seconds=1), switch, switch + timedelta(days=400)]
    pages = [article(i + 1, f"Page {i}", when.strftime("%Y-%m-%dT%H:%M:%SZ")) for i, when in enumerate(stamps)]
    (tmp_path / "dump.xml").write_text(dump_xml(pages))
    rows, _ = read(tmp_path / "dump.xml")
    assert [row["license"] for row in rows] == ["CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC-BY-SA-4.0"]
    later = wiki_source("options: {license_switch: '2024-01-01T00:00:00Z', license_from: CC BY 4.0}\n")
    assert [row["license"] for row in read(tmp_path / "dump.xml", later)[0]] == ["CC-BY-SA-3.0"] * 2 + ["CC-BY-4.0"]
    fixed = parse_source("name: w\nreader: mediawiki\npaths: [x]\nlicense: CC-BY-SA-3.0\n", "t.yaml")
    assert {row["license"] for row in read(tmp_path / "dump.xml", fixed)[0]} == {"CC-BY-SA-3.0"}


@pytest.mark.parametrize("encoding, declared", [("utf-16", ""), ("iso-8859-1", "ISO-8859-1"), ("utf-8", "UTF-8")])
def test_the_encoding_comes_from_the_byte_order_mark_or_the_declaration(tmp_path, encoding, declared):
    page = article(1, "Café")
    declaration = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    (tmp_path / "dump").write_bytes((declaration + dump_xml([page])).encode(encoding))
    rows, _ = read(tmp_path / "dump")
    assert rows[0]["meta"]["title"] == "Café" and page.kept[0] in rows[0]["text"]


def test_a_multistream_dump_read_in_slices_equals_it_read_whole(tmp_path):
    pages = [article(i, f"Article {i}") for i in range(1, 40)] + [redirect(40, "R", "Article 1")]
    dump, _ = write_multistream(tmp_path, "wiki", pages, per_stream=4)
    source = wiki_source("options: {slice_bytes: 1500}\n")
    slices = mediawiki.split(str(dump), source, Piece(str(dump)).retry)
    assert len(slices) > 2 and slices[-1][1] == dump.stat().st_size
    assert all(a[1] == b[0] for a, b in zip(slices, slices[1:], strict=False))
    whole, whole_stats = read(dump, source)
    parts = [read(dump, source, span) for span in slices]
    assert [row for rows, _ in parts for row in rows] == whole and len(whole) == 39
    total = Stats()
    for _, stats in parts:
        total.merge(stats)
    assert total.to_dict() == whole_stats.to_dict()


def test_a_dump_without_an_index_is_read_whole_and_a_truncated_one_is_an_error(tmp_path):
    (tmp_path / "dump.xml.bz2").write_bytes(bz2.compress(dump_xml([article(1, "A"), article(2, "B")]).encode()))
    assert mediawiki.split(str(tmp_path / "dump.xml.bz2"), wiki_source(), Piece("x").retry) is None
    text = dump_xml([article(1, "A"), article(2, "B")])
    (tmp_path / "cut.xml").write_text(text[: text.index("<page>", text.index("</page>"))])
    rows, stats = read(tmp_path / "cut.xml")
    assert len(rows) == 1 and stats.errors["invalid_xml"] == 1
    assert "cut.xml: after page 1" in stats.examples["invalid_xml"][0]


@pytest.mark.parametrize("dbname, language", [("enwiki", "en"), ("bgwiki", "bg"), ("zh_yuewiki", "zh-yue"),
                                              ("simplewiki", "en"), ("commonswiki", None), ("dewikisource", "de")])
def test_the_language_comes_from_the_wiki_database_name(dbname, language):
    assert mediawiki.wiki_language(dbname) == language
