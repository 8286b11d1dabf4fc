"""The licence a web page declares for itself, from its parsed HTML and its HTTP `Link` header, conservatively.

A declaration is one of: an HTTP `Link: <url>; rel="license"` header (RFC 8288, the relation of RFC 4946);
`<link rel="license">` or `<a rel="license">` (the HTML standard: the licence of the page's main content,
html.spec.whatwg.org/multipage/links.html#link-type-license), and HTML 4's `<link rel="copyright">` that older
MediaWiki sites point at their Creative Commons deed; a `<meta>` named `dcterms.license`,
`dcterms.rights`, `dc.rights` or `license` whose content is a licence's URL or name; and, without `rel`, a link
to a Creative Commons deed inside the page's footer whose sentence says the page is under it ("content on this
site is licensed under ..."). Each is mapped to an SPDX id through licenses/spdx.py; one that maps to none
("All rights reserved", a site's own terms page) declares nothing.

What is about another item is no declaration of the page: anything inside a figure or its caption, a quotation or
an embedded item (blockquote, iframe, object, video, ...), a comment section, an image credit (by its class or
id, or a sentence about a photo, image, icon, ... and not the text); nor is a licence URL written as plain text.

Two declarations of different licences (by-sa/3.0 in a meta tag, by/4.0 in the footer) leave the page without a
licence: which one covers the text cannot be told, and a wrong open licence is worse than none. The evidence
then names each, after `conflict:`."""

import re
from dataclasses import dataclass

from resiliparse.parse.html import DOMNode, HTMLTree

from licenses.spdx import deed_id, spdx_id

META_NAMES = ("dcterms.license", "dcterms.rights", "dc.rights", "license")
# Every element that may declare, found in one walk of the tree (ingest shares it with its depth check: a walk costs
# about 0.1 ms on a page of 150 KB, docs/benchmarks.md); a selector per meta name, as listing every meta costs more
# in Python than the walk.
CANDIDATES = ", ".join(["link[rel~=license i][href]", "a[rel~=license i][href]", "link[rel~=copyright i][href]",
                        *(f'meta[name="{name}" i][content]' for name in META_NAMES),
                        'a[href*="creativecommons.org/licenses/" i]', 'a[href*="creativecommons.org/publicdomain/" i]'])
# Elements whose content is another item, or no part of the page's text.
OTHER_ITEM_TAGS = {"figure", "figcaption", "blockquote", "q", "iframe", "object", "embed", "video", "audio",
                   "picture", "template", "svg"}
# Classes and ids of comment sections, captions, credits and embeds (WordPress `wp-caption`, `comment-list`,
# Disqus `disqus_thread`, Twitter's `twitter-tweet`, ...).
OTHER_ITEM_NAMES = re.compile(r"comment|caption|credit|embed|tweet|quote|reply|disqus", re.IGNORECASE)
FOOTER_NAMES = re.compile(r"footer", re.IGNORECASE)
LANDMARKS = ("header", "nav", "aside", "main", "article")
BLOCKS = {"p", "li", "div", "td", "dd", "dt", "section", "address", "footer", "header", "aside", "article", "main",
          "body"}
STATEMENT = re.compile(
    r"\b(?:licen[cs]ed|available|released|published|distributed|shared|offered|provided|dedicated|placed)"
    r"\s+(?:\w+\s+)?(?:under|to the public domain|into the public domain|in the public domain)\b"
    r"|\bunder (?:a|an|the) [^.]{0,80}\blicen[cs]e\b|\blicen[cs]e\s*:|\bin the public domain\b"
    r"|\blizenziert\b|\bbajo (?:una|la) licencia\b|\bsous (?:une |la )?licence\b|\bsob (?:uma|a) licença\b"
    r"|\bcon licenza\b|\bonder een\b.{0,40}\blicentie\b",
    re.IGNORECASE)
ALL_RIGHTS_RESERVED = re.compile(r"\ball rights reserved\b", re.IGNORECASE)
IMAGE_WORDS = re.compile(r"\b(?:photo(?:graph)?s?|images?|pictures?|illustrations?|icons?|logos?|graphics?|"
                         r"videos?|fonts?|artwork)\b", re.IGNORECASE)
TEXT_WORDS = re.compile(r"\b(?:text|content|site|website|page|article|post|blog|work|material)s?\b", re.IGNORECASE)
LINK_HEADER = re.compile(r"<([^>]*)>((?:\s*;\s*[^,;]*)*)")
REL_PARAM = re.compile(r"""\brel\s*=\s*(?:"([^"]*)"|([^\s;"]*))""", re.IGNORECASE)


@dataclass(frozen=True)
class Declaration:
    """The page's licence as an SPDX id (None when two declarations disagree) and which tags say so, where."""

    license: str | None
    evidence: str


def page_license(tree: HTMLTree, link_header: str | None = None, candidates: list[DOMNode] | None = None
                 ) -> Declaration | None:
    """What the page declares (module docstring); None when it declares no licence the SPDX table knows.
    `candidates`: the elements of the tree matching CANDIDATES, where the caller found them in a walk of its own."""
    found = [(license, "Link header rel=license") for license in _header_licenses(link_header or "")]
    if candidates is None:
        candidates = list(tree.document.query_selector_all(CANDIDATES)) if tree.document is not None else []
    for node in candidates:
        if node.tag == "meta":
            content, where = node.getattr("content"), _where(node)
            if where and (license := deed_id(content) or spdx_id(content)):
                found.append((license, f"meta[name={node.getattr('name').strip().lower()}] in {where}"))
            continue
        license, rel = deed_id(node.getattr("href")), node.getattr("rel", "").lower().split()
        if not license:
            continue
        if "license" in rel or (node.tag == "link" and "copyright" in rel):
            where = _where(node)
            if where and (node.tag == "link" or not _credits_an_image(_sentence(node))):
                found.append((license, f"{node.tag}[rel={'license' if 'license' in rel else 'copyright'}] in {where}"))
        elif node.tag == "a" and _where(node) == "footer" and _is_statement(node):
            found.append((license, "statement linking a Creative Commons deed in footer"))
    return _verdict(found)


def _verdict(found: list[tuple[str, str]]) -> Declaration | None:
    if not found:
        return None
    pairs = dict.fromkeys(found)
    licenses = dict.fromkeys(license for license, _ in pairs)
    if len(licenses) == 1:
        return Declaration(next(iter(licenses)), "; ".join(evidence for _, evidence in pairs))
    return Declaration(None, "conflict: " + "; ".join(f"{license} ({evidence})" for license, evidence in pairs))


def _header_licenses(value: str) -> list[str]:
    """The SPDX ids of the targets of `rel="license"` links in a `Link` header's value."""
    found = []
    for target, params in LINK_HEADER.findall(value):
        rel = REL_PARAM.search(params)
        if rel and "license" in (rel.group(1) or rel.group(2)).lower().split() and (license := deed_id(target)):
            found.append(license)
    return found


def _where(node: DOMNode) -> str | None:
    """Where the element stands (head, footer, the nearest other landmark, or body); None inside another item."""
    nearest = None
    in_footer = False
    ancestor = node
    while ancestor is not None and ancestor.tag not in ("body", "head", "#document"):
        tag = ancestor.tag
        names = f"{ancestor.getattr('id', '')} {ancestor.getattr('class', '')}"
        if tag in OTHER_ITEM_TAGS or OTHER_ITEM_NAMES.search(names):
            return None
        if tag == "footer" or FOOTER_NAMES.search(names) or ancestor.getattr("role", "") == "contentinfo":
            in_footer = True
        elif nearest is None and tag in LANDMARKS:
            nearest = tag
        ancestor = ancestor.parent
    if ancestor is not None and ancestor.tag == "head":
        return "head"
    return "footer" if in_footer else nearest or "body"


def _sentence(node: DOMNode) -> str:
    """The text of the block (paragraph, list item, div, ...) that holds the element."""
    block = node.parent
    while block is not None and block.tag not in BLOCKS:
        block = block.parent
    return (block or node).text


def _credits_an_image(sentence: str) -> bool:
    """Whether a sentence is about an image (or another medium) and says nothing of the text."""
    return bool(IMAGE_WORDS.search(sentence)) and not TEXT_WORDS.search(sentence)


def _is_statement(node: DOMNode) -> bool:
    """Whether a footer's link to a deed stands in a sentence that puts the page under it."""
    sentence = _sentence(node)
    return bool(STATEMENT.search(sentence)) and not ALL_RIGHTS_RESERVED.search(sentence) \
        and not _credits_an_image(sentence)
