"""HTML to main text: trafilatura (default, precise) or resiliparse (fast), under a time limit."""

import logging
import signal
import threading
from collections.abc import Callable

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


class TimeLimit:
    """`with limit:` raises ExtractorTimeout in the block after `seconds` (main thread only; elsewhere, or with
    `seconds` <= 0, no limit).

    The SIGALRM handler installed by the first block stays until `release()`, so that a file's pages only start
    and stop the timer: swapping the handler for every page cost about 10 us a page."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._armed = False
        self._previous: Callable | int | None = None
        self._installed = False

    def __enter__(self) -> "TimeLimit":
        self._armed = self.seconds > 0 and threading.current_thread() is threading.main_thread()
        if self._armed:
            if not self._installed:
                self._previous = signal.signal(signal.SIGALRM, self._expire)
                self._installed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._armed = False

    def release(self) -> None:
        """Put back the SIGALRM handler that the first block found."""
        if self._installed:
            signal.signal(signal.SIGALRM, self._previous)
            self._installed = False

    def _expire(self, signum, frame):
        raise ExtractorTimeout(f"extraction took longer than {self.seconds:g} s")
