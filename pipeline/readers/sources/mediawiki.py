"""MediaWiki XML dumps (Wikipedia's `pages-articles`) into documents: streamed, main namespace only, wikitext to
plain text, the licence the revision's date implies.

A dump is read as it streams (never whole into memory), plain or compressed, in the encoding its byte order mark or
XML declaration names. A multistream dump (`...-multistream.xml.bz2` beside its `...-multistream-index.txt.bz2`) is
read in slices of its bzip2 streams, each slice a unit of its own, so that Spark reads one dump in parallel."""

import bz2
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import BinaryIO
from urllib.parse import quote
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

import mwparserfromhell
from mwparserfromhell.nodes import Comment, ExternalLink, Heading, HTMLEntity, Tag, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode
from pydantic import BaseModel, ConfigDict, Field, field_validator

from licenses.dated import Schedule
from licenses.spdx import spdx_id
from pipeline.accounting import Stats
from pipeline.readers.sources.rows import document
from pipeline.readers.sources.spec import Piece, Source
from pipeline.storage.locations import InputMissing, RetryPolicy, open_input
from pipeline.storage.sniff import compression_of, decompressed

DERIVES_LICENSE = True
SUFFIXES = (".xml", ".xml.bz2", ".xml.gz")
CHUNK = 1 << 20
# The Wikimedia Terms of Use that moved the projects' text from CC BY-SA 3.0 to CC BY-SA 4.0 took effect on
# June 7, 2023 (Jacob Rogers, Wikimedia Foundation, on wikimedia-l, reported in The Signpost of 2023-06-19,
# https://en.wikipedia.org/wiki/Wikipedia:Wikipedia_Signpost/2023-06-19/News_and_notes, and
# https://foundation.wikimedia.org/wiki/Policy:Terms_of_Use); the announcement gives a day, so its first instant
# in UTC is taken.
WIKIMEDIA_CC4 = datetime(2023, 6, 7, tzinfo=UTC)
# Templates that mark a disambiguation page on English Wikipedia (Template:Disambiguation, its shortcuts and its
# geographic and human-name variants) and Bulgarian Wikipedia (Шаблон:Пояснение); other wikis give theirs in
# the `disambiguation:` option.
DISAMBIGUATION = ("disambiguation", "disambig", "disamb", "dab", "hndis", "geodis", "пояснение")
# Link prefixes of files and categories in every wiki, beside the names its siteinfo gives namespaces 6 and 14
CANONICAL_DROPPED = ("file", "image", "media", "category")
# Wikis that are no language (their dbname is no language code): lid.176 tells the language of their pages
NOT_LANGUAGES = {"commons", "meta", "species", "wikidata", "mediawiki", "incubator", "sources", "outreach", "test"}
PROJECTS = ("wiki", "wiktionary", "wikibooks", "wikinews", "wikiquote", "wikisource", "wikiversity", "wikivoyage")
INTERWIKI = re.compile(r"^[a-z]{2,3}(-[a-z]+)*$")  # [[de:Anarchismus]]: the same page in another language
# The parser leaves markup as text where it gives up on a construct (an unclosed '' before a <ref>); with the
# constructs around it gone, it reads the rest
REPARSES = 3
REFERENCE = re.compile(r"<ref(?:\s[^>]*?)?/>|<ref(?:\s[^>]*)?>.*?</ref\s*>", re.IGNORECASE | re.DOTALL)
COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
MAGIC_WORD = re.compile(r"__[A-Z]+__")
REDIRECT = re.compile(r"^\s*#\s*REDIRECT", re.IGNORECASE)
DROPPED_TAGS = {"ref", "references", "table", "gallery", "math", "chem", "ce", "score", "timeline", "imagemap",
                "graph", "templatedata", "syntaxhighlight", "source", "hiero", "inputbox", "categorytree", "mapframe",
                "maplink", "noinclude"}


class Options(BaseModel):
    """The licence rule (docs/sources.md, "The licence of a wiki page") and how a multistream dump is sliced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    license_before: str = "CC-BY-SA-3.0"  # of a revision before `license_switch`
    license_from: str = "CC-BY-SA-4.0"  # of a revision at or after it
    license_switch: datetime = WIKIMEDIA_CC4
    disambiguation: list[str] = list(DISAMBIGUATION)  # templates that make a page a disambiguation page
    index: str | None = None  # a multistream dump's index; by default the `-index.txt.bz2` beside it
    slice_bytes: int = Field(default=256 << 20, ge=1)  # compressed bytes of a multistream dump per unit

    @field_validator("license_before", "license_from")
    @classmethod
    def _spdx(cls, value: str) -> str:
        found = spdx_id(value)
        if found is None:
            raise ValueError(f"{value!r} is no licence the SPDX table knows; write an SPDX id such as CC-BY-SA-4.0")
        return found

    @field_validator("license_switch")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2023-06-07T00:00:00Z")
        return value.astimezone(UTC)

    @cached_property
    def schedule(self) -> Schedule:
        """The licence rule as a schedule, made once (it is asked for every page)."""
        return Schedule(self.license_before, ((self.license_switch, self.license_from),))

    def license_at(self, when: datetime | None) -> str | None:
        """The licence of a revision made at `when`."""
        return None if when is None else self.schedule.at(when)


def split(location: str, source: Source, retry: RetryPolicy) -> list[tuple[int, int]] | None:
    """The slices of a multistream dump, by the stream offsets of its index (about `slice_bytes` each), or None to
    read the file whole (a dump that is no multistream bzip2 file, or has no index beside it)."""
    options: Options = source.options
    index = options.index or re.sub(r"\.xml\.bz2$", "-index.txt.bz2", location)
    if index == location:
        return None
    with open_input(location, 0, retry) as stream:
        if compression_of(stream.read(8)) != "bz2":
            return None
        size = stream.seek(0, io.SEEK_END)
    try:
        with open_input(index, 0, retry) as raw, bz2.open(raw, "rt", encoding="utf-8") as lines:
            offsets = sorted({int(line.split(":", 1)[0]) for line in lines if line.strip()})
    except InputMissing:
        if options.index:
            raise
        return None
    if not offsets:
        return None
    slices, start = [], offsets[0]
    for offset in offsets[1:]:
        if offset - start >= options.slice_bytes:
            slices.append((start, offset))
            start = offset
    slices.append((start, size))
    return slices


def documents(piece: Piece, source: Source, stats: Stats) -> Iterator[dict]:
    """The articles of a dump, or of a slice of a multistream one; every page read is counted."""
    with piece.open() as raw:
        if piece.span is None:
            yield from _pages(_chunks(decompressed(raw)), piece, source, stats, whole=True)
            return
        start, end = piece.span
        header = _first_stream(raw)
        raw.seek(start)
        body = bz2.BZ2File(_Bounded(raw, end - start))
        yield from _pages(_chain([header], _chunks(body)), piece, source, stats, whole=False)


def _first_stream(raw: BinaryIO) -> bytes:
    """The first bzip2 stream of a multistream dump, decompressed: the dump's header and siteinfo."""
    decompressor, parts = bz2.BZ2Decompressor(), []
    while not decompressor.eof:
        chunk = raw.read(1 << 16)
        if not chunk:
            raise EOFError("the dump ends inside its first stream")
        parts.append(decompressor.decompress(chunk))
    return b"".join(parts)


def _pages(chunks: Iterator[bytes], piece: Piece, source: Source, stats: Stats, whole: bool) -> Iterator[dict]:
    """Parse the dump's XML as it comes and turn each page into a document or a counted drop."""
    parser = XMLPullParser(("start", "end"))
    site: dict = {}
    root, last = None, "its start"
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for event, element in parser.read_events():
                tag = element.tag.rsplit("}", 1)[-1]
                if event == "start":
                    root = root if root is not None else element
                    continue
                if tag == "siteinfo":
                    site = _site(element)
                elif tag == "page":
                    last = f"page {_child_text(element, 'id')}"
                    row = _page(element, site, piece, source, stats)
                    if row is not None:
                        yield row
                    root.clear()  # the pages read so far, emptied, would otherwise stay children of the root
        if whole:
            parser.close()
    except ParseError as exc:
        stats.error("invalid_xml", f"{piece.name}: after {last}: {exc}")


def _page(page: Element, site: dict, piece: Piece, source: Source, stats: Stats) -> dict | None:
    """A page as a document, or None when it is dropped (with its reason) or an error (of its kind)."""
    page_id, title = _child_text(page, "id"), _child_text(page, "title") or ""
    if _child_text(page, "ns") != "0":
        stats.drop("not_main_namespace")
        return None
    revision = _child(page, "revision")
    wikitext = (_child_text(revision, "text") or "") if revision is not None else ""
    if _child(page, "redirect") is not None or REDIRECT.match(wikitext):
        stats.drop("redirect")
        return None
    options: Options = source.options
    try:
        code = mwparserfromhell.parse(without_refs_and_tables(wikitext))
    except Exception as exc:  # the parser's errors have no common class; one page must not stop the dump
        stats.error("wikitext_error", f"{piece.name}: page {page_id}: {type(exc).__name__}: {exc}"[:300])
        return None
    if _disambiguation(code, title, options.disambiguation):
        stats.drop("disambiguation")
        return None
    text = plain_text(code, site.get("dropped", CANONICAL_DROPPED))
    if not text:
        stats.drop("empty_text")
        return None
    when = _timestamp(_child_text(revision, "timestamp") if revision is not None else None)
    meta = {"dump": piece.name, "page_id": page_id or "", "title": title, "wiki": site.get("dbname", "")}
    if revision is not None and _child_text(revision, "id"):
        meta["revision_id"] = _child_text(revision, "id")
    return document(source, (site.get("dbname", ""), page_id or title), text, meta,
                    url=_url(site.get("base"), title), date=when,
                    license=source.license or options.license_at(when), language=site.get("language"))


def without_refs_and_tables(wikitext: str) -> str:
    """Wikitext without its references, comments and tables, cut out before parsing: the parser can take a
    reference or a table for longer than it is (an unbalanced '' inside one), and drop the paragraphs after it."""
    wikitext = REFERENCE.sub("", COMMENT.sub("", wikitext))
    lines, depth, kept = wikitext.split("\n"), 0, []
    for line in lines:
        stripped = line.lstrip(" :")
        if stripped.startswith("{|"):
            depth += 1
        elif depth and stripped.startswith("|}"):
            depth -= 1
            continue
        if not depth:
            kept.append(line)
    return "\n".join(kept) if not depth else wikitext  # a table never closed: left to the parser


def plain_text(code: Wikicode, dropped_links: tuple[str, ...] = CANONICAL_DROPPED) -> str:
    """Wikitext as plain text: templates (infoboxes too), references, tables, files, categories and links to other
    languages out; headings and paragraphs kept, one list item a line."""
    text = _plain(code, dropped_links)
    for _ in range(REPARSES):
        again = _plain(mwparserfromhell.parse(text), dropped_links)
        if again == text:
            break
        text = again
    lines = [line.strip() for line in MAGIC_WORD.sub("", text).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _plain(code: Wikicode, dropped: tuple[str, ...]) -> str:
    parts = []
    for node in code.nodes:
        if isinstance(node, Text):
            parts.append(str(node))
        elif isinstance(node, Heading):
            parts.append(_plain(node.title, dropped).strip())
        elif isinstance(node, Wikilink):
            parts.append(_link(node, dropped))
        elif isinstance(node, ExternalLink):
            parts.append(_plain(node.title, dropped) if node.title else "" if node.brackets else str(node.url))
        elif isinstance(node, HTMLEntity):
            parts.append(node.normalize())
        elif isinstance(node, Tag):
            parts.append(_tag(node, dropped))
        elif not isinstance(node, (Template, Comment)):  # an Argument ({{{1}}}) is a template's, never text
            parts.append("")
    return "".join(parts)


def _tag(node: Tag, dropped: tuple[str, ...]) -> str:
    name = str(node.tag).strip().lower()
    if name in DROPPED_TAGS:
        return ""
    if name == "br":
        return "\n"
    if node.wiki_markup and name in ("li", "dt", "dd"):  # a list marker: the item stays on its line
        return " " if name == "dd" else ""
    return _plain(node.contents, dropped) if node.contents else ""


def _link(node: Wikilink, dropped: tuple[str, ...]) -> str:
    title = str(node.title).strip()
    if ":" in title and not title.startswith(":"):
        prefix = title.split(":", 1)[0].strip().lower()
        if prefix in dropped or INTERWIKI.match(prefix):
            return ""
    return _plain(node.text, dropped) if node.text else title.lstrip(":")


def _disambiguation(code: Wikicode, title: str, templates: list[str]) -> bool:
    names = {name.strip().lower().replace("_", " ") for name in templates}
    if title.endswith(("(disambiguation)", "(пояснение)")):
        return True
    return any(str(template.name).strip().lower().replace("_", " ") in names
               for template in code.filter_templates(recursive=False))


def _site(siteinfo: Element) -> dict:
    """What a page needs of the siteinfo: the wiki's dbname, its language, the base of its URLs, and the names of
    its file and category namespaces."""
    dbname = _child_text(siteinfo, "dbname") or ""
    dropped = set(CANONICAL_DROPPED)
    namespaces = _child(siteinfo, "namespaces")
    for namespace in namespaces if namespaces is not None else ():
        if namespace.get("key") in ("-2", "6", "14") and namespace.text:
            dropped.add(namespace.text.strip().lower())
    return {"dbname": dbname, "language": wiki_language(dbname), "base": _child_text(siteinfo, "base"),
            "dropped": tuple(sorted(dropped))}


def wiki_language(dbname: str) -> str | None:
    """The language of a Wikimedia wiki from its database name: enwiki -> en, zh_yuewiki -> zh-yue,
    simplewiki -> en; None for a wiki of no one language (commonswiki)."""
    project = next((suffix for suffix in PROJECTS if dbname.endswith(suffix)), None)
    if project is None:
        return None
    code = dbname[: -len(project)].replace("_", "-")
    if code == "simple":
        return "en"
    return code if code and code not in NOT_LANGUAGES and INTERWIKI.match(code) else None


def _url(base: str | None, title: str) -> str | None:
    """A page's URL: the siteinfo's base (the main page's URL) with the title in place of the main page's."""
    if not base or "/" not in base:
        return None
    return f"{base.rsplit('/', 1)[0]}/{quote(title.replace(' ', '_'), safe=';@$!*(),/~:')}"


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if child.tag.rsplit("}", 1)[-1] == name), None)


def _child_text(element: Element, name: str) -> str | None:
    child = _child(element, name)
    return child.text if child is not None else None


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _chain(first: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest


class _Bounded(io.RawIOBase):
    """The next `size` bytes of a stream, as a stream of their own."""

    def __init__(self, stream: BinaryIO, size: int):
        self.stream, self.left = stream, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), self.left))
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)
