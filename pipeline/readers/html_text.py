"""HTML to main text: trafilatura (default, precise) or resiliparse (fast), under a time limit."""

import logging
import signal
import threading
from collections.abc import Callable

import trafilatura
from lxml.html import HTMLParser, fromstring
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import DOMNode, HTMLTree
from trafilatura.utils import HTML_PARSER, load_html, repair_faulty_html

EXTRACTORS = ("trafilatura", "resiliparse")

# trafilatura logs every page it finds too short; that is our accounting's job.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


class ExtractorTimeout(BaseException):
    """The extractor ran past its time limit on one page.

    A BaseException, so that the extractors' own broad `except Exception` blocks cannot swallow it."""


def trafilatura_text(html: str, url: str | None = None, parsed: HTMLTree | None = None) -> str:
    """The main text by trafilatura, which parses `html` with lxml (resiliparse's `parsed` tree is of no use to
    it)."""
    tree = load_html(html)  # what trafilatura.extract(html) parses, with the parser's error log at hand
    if tree is None:
        return ""
    if _too_deep(HTML_PARSER):
        tree = _deep_tree(html)
    return trafilatura.extract(tree, url=url, include_comments=False, with_metadata=False) or ""


def _too_deep(parser) -> bool:
    """Whether libxml2 stopped nesting elements at its depth limit in the parser's last run (255 levels). Deeper
    elements are cut out of the tree with their text, silently but for this log entry."""
    return any(entry.type_name == "ERR_RESOURCE_LIMIT" and "depth" in entry.message for entry in parser.error_log)


def _deep_tree(html: str):
    """The tree of a page nested deeper than libxml2's default limit, parsed as trafilatura parses (its parser's
    options, its repair of the first characters) but with huge_tree's limit of 2048 levels: what lies deeper still
    (often the unclosed tags of a footer) is left out, as trafilatura itself would leave out all below 255."""
    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                        remove_pis=True, huge_tree=True)
    html = repair_faulty_html(html, html[:50].lower())
    try:
        return fromstring(html, parser=parser)
    except ValueError:  # a str with an encoding declaration: lxml wants bytes, as in trafilatura's fallback
        return fromstring(html.encode("utf8", "surrogatepass"), parser=parser)


# resiliparse's main-content heuristics take time quadratic in nesting depth (docs/benchmarks.md) inside C,
# where no signal can stop them; such pages are refused. The selector matches an element that deep.
MAX_DEPTH = 1000
_TOO_DEEP = "* > " * MAX_DEPTH + "*"


def resiliparse_text(html: str, url: str | None = None, parsed: HTMLTree | None = None) -> str:
    """The main text by resiliparse. `parsed`: the tree of `html` where the caller has parsed it and refused a page
    too deep for resiliparse already (`select`, with `refuse_deep`)."""
    if parsed is None:
        parsed = HTMLTree.parse(html)
        select(parsed, html, "", refuse_deep=True)
    return extract_plain_text(parsed, main_content=True, alt_texts=False)


def select(tree: HTMLTree, html: str, selector: str, refuse_deep: bool) -> list[DOMNode]:
    """The elements matching the CSS `selector` (none for ""); with `refuse_deep`, ValueError for a page nested
    deeper than MAX_DEPTH, found in the same walk of the tree: each walk costs about as much as the other
    (docs/benchmarks.md, "Licences in web pages")."""
    # A page with fewer tags than MAX_DEPTH cannot be that deep: skip the check (it costs ~15% of extraction).
    deep = refuse_deep and html.count("<") > MAX_DEPTH
    if not deep:
        return list(tree.document.query_selector_all(selector)) if selector else []
    found = []
    for node in tree.document.query_selector_all(f"{selector}, {_TOO_DEEP}" if selector else _TOO_DEEP):
        if _deeper_than(node, MAX_DEPTH):
            raise ValueError(f"HTML nested deeper than {MAX_DEPTH} elements")
        found.append(node)
    return found


def _deeper_than(node: DOMNode, levels: int) -> bool:
    for _ in range(levels):
        node = node.parent
        if node is None:
            return False
    return True


def get_extractor(name: str) -> Callable[[str, str | None, HTMLTree | None], str]:
    if name == "trafilatura":
        return trafilatura_text
    if name == "resiliparse":
        return resiliparse_text
    raise ValueError(f"unknown extractor {name!r}; choose one of {', '.join(EXTRACTORS)}")


class TimeLimit:
    """`with limit:` raises ExtractorTimeout in the block after `seconds` (main thread only; elsewhere, or with
    `seconds` <= 0, no limit).

    The SIGALRM handler installed by the first block stays until `release()`, so that a file's pages only start
    and stop the timer: swapping the handler for every page cost more (as measured in docs/benchmarks.md)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._armed = False
        self._previous: Callable | int | None = None
        self._installed = False
        self._expired = False

    def __enter__(self) -> "TimeLimit":
        self._expired = False
        self._armed = self.seconds > 0 and threading.current_thread() is threading.main_thread()
        if self._armed:
            if not self._installed:
                self._previous = signal.signal(signal.SIGALRM, self._expire)
                self._installed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._armed = False
        # The handler's exception is lost where Python ignores exceptions: in a weakref callback (resiliparse's
        # DOM nodes have them) or a __del__. The block then ran on; it has still taken too long.
        if self._expired and exc_type is None:
            raise self._timeout()

    def release(self) -> None:
        """Put back the SIGALRM handler that the first block found."""
        if self._installed:
            signal.signal(signal.SIGALRM, self._previous)
            self._installed = False

    def _expire(self, signum, frame):
        self._expired = True
        raise self._timeout()

    def _timeout(self) -> ExtractorTimeout:
        return ExtractorTimeout(f"extraction took longer than {self.seconds:g} s")
