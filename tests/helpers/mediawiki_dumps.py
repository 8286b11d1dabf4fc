"""MediaWiki XML dumps for the tests: articles whose plain text is known by construction, redirects,
disambiguation pages, other namespaces; written plain, or as a multistream bzip2 dump with its index (the layout of
dumps.wikimedia.org's `pages-articles-multistream`: one stream for the header and siteinfo, streams of pages, one
for the closing tag)."""

import bz2
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

SITEINFO = """  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>{dbname}</dbname>
    <base>{base}</base>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="4" case="first-letter">Wikipedia</namespace>
      <namespace key="6" case="first-letter">File</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
    </namespaces>
  </siteinfo>
"""


@dataclass
class Page:
    id: int
    title: str
    wikitext: str
    timestamp: str = "2020-01-02T03:04:05Z"
    ns: int = 0
    redirect: str | None = None
    # what the article's plain text must hold (its headings, paragraphs, list items) and must not (the words only
    # templates, references, tables, files and categories hold)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def article(page_id: int, title: str, timestamp: str = "2020-01-02T03:04:05Z") -> Page:
    """An article with every kind of markup the reader removes or keeps, each with words of its own."""
    n = page_id
    paragraphs = [f"{title} is the subject number {n} of this generated wiki.", f"It was written in part {n}."]
    heading, items = f"History of {n}", [f"first item {n}", f"second item {n}"]
    removed = [f"infobox{n}", f"reference{n}", f"tablecell{n}", f"caption{n}", f"category{n}", f"template{n}"]
    wikitext = "\n".join([
        f"{{{{Infobox thing|name=infobox{n}|value=[[infobox{n}]]}}}}",
        f"'''{paragraphs[0].split(' is ')[0]}''' is the subject number {n} of this [[generated wiki|generated wiki]]."
        f"<ref>{{{{cite web|title=reference{n}}}}}</ref>",
        "",
        f"It was written in part {n}.<ref name=r{n}>reference{n} text</ref>{{{{citation needed|template{n}}}}}",
        f"[[File:Picture{n}.png|thumb|caption{n} of a [[picture]]]]",
        f"== {heading} ==",
        *(f"* {item}" for item in items),
        '{| class="wikitable"',
        "|-",
        f"| tablecell{n} || tablecell{n}",
        "|}",
        f"[[Category:category{n}]]",
    ])
    return Page(n, title, wikitext, timestamp, kept=[*paragraphs, heading, *items], removed=removed)


def redirect(page_id: int, title: str, target: str) -> Page:
    return Page(page_id, title, f"#REDIRECT [[{target}]]", redirect=target)


def disambiguation(page_id: int, title: str) -> Page:
    wikitext = f"'''{title}''' may mean:\n* [[{title} (a)]]\n* [[{title} (b)]]\n{{{{disambiguation}}}}"
    return Page(page_id, title, wikitext)


def page_xml(page: Page) -> str:
    redirect_tag = f'    <redirect title="{escape(page.redirect)}" />\n' if page.redirect else ""
    return (f"  <page>\n    <title>{escape(page.title)}</title>\n    <ns>{page.ns}</ns>\n    <id>{page.id}</id>\n"
            f"{redirect_tag}    <revision>\n      <id>{page.id * 10}</id>\n"
            f"      <timestamp>{page.timestamp}</timestamp>\n"
            f'      <text xml:space="preserve">{escape(page.wikitext)}</text>\n    </revision>\n  </page>\n')


def header(dbname: str = "enwiki", base: str = "https://en.wikipedia.org/wiki/Main_Page") -> str:
    return ('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">\n'
            + SITEINFO.format(dbname=dbname, base=base))


FOOTER = "</mediawiki>\n"


def dump_xml(pages: list[Page], dbname: str = "enwiki") -> str:
    return header(dbname) + "".join(page_xml(page) for page in pages) + FOOTER


def write_multistream(folder: Path, name: str, pages: list[Page], per_stream: int) -> tuple[Path, Path]:
    """`name-multistream.xml.bz2` and its `-index.txt.bz2`, `per_stream` pages to a bzip2 stream."""
    dump, index = folder / f"{name}-multistream.xml.bz2", folder / f"{name}-multistream-index.txt.bz2"
    streams, lines, offset = [bz2.compress(header().encode())], [], 0
    offset = len(streams[0])
    for start in range(0, len(pages), per_stream):
        group = pages[start:start + per_stream]
        lines += [f"{offset}:{page.id}:{page.title}" for page in group]
        streams.append(bz2.compress("".join(page_xml(page) for page in group).encode()))
        offset += len(streams[-1])
    streams.append(bz2.compress(FOOTER.encode()))
    dump.write_bytes(b"".join(streams))
    index.write_bytes(bz2.compress(("\n".join(lines) + "\n").encode()))
    return dump, index
