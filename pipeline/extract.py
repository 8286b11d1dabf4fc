"""HTML to main text: trafilatura (default, precise) or resiliparse (fast), under a time limit."""

import logging
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager

EXTRACTORS = ("trafilatura", "resiliparse")

# trafilatura logs every page it finds too short; that is our accounting's job.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


class ExtractorTimeout(BaseException):
    """The extractor ran past its time limit on one page.

    A BaseException, so that the extractors' own broad `except Exception` blocks cannot swallow it."""


def trafilatura_text(html: str, url: str | None = None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False, with_metadata=False) or ""


# resiliparse's main-content heuristics take time quadratic in nesting depth (20,000 levels: 20 s) inside C,
# where no signal can stop them; such pages are refused. The selector matches an element that deep.
MAX_DEPTH = 1000
_TOO_DEEP = "* > " * MAX_DEPTH + "*"


def resiliparse_text(html: str, url: str | None = None) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse(html)
    # A page with fewer tags than MAX_DEPTH cannot be that deep: skip the check (it costs ~15% of extraction).
    if html.count("<") > MAX_DEPTH and tree.document.query_selector(_TOO_DEEP) is not None:
        raise ValueError(f"HTML nested deeper than {MAX_DEPTH} elements")
    return extract_plain_text(tree, main_content=True, alt_texts=False)


def get_extractor(name: str) -> Callable[[str, str | None], str]:
    if name == "trafilatura":
        return trafilatura_text
    if name == "resiliparse":
        return resiliparse_text
    raise ValueError(f"unknown extractor {name!r}; choose one of {', '.join(EXTRACTORS)}")


@contextmanager
def time_limit(seconds: float):
    """Raise ExtractorTimeout in this block after `seconds` (main thread only; elsewhere no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ExtractorTimeout(f"extraction took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
