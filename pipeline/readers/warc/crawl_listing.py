"""Common Crawl listings: a crawl id and a segment selection into the list of WARC/WET file URLs."""

import gzip
import re

from pipeline.storage.locations import RetryPolicy, open_input

CC_BASE_URL = "https://data.commoncrawl.org/"
CRAWL_PATTERN = re.compile(r"^CC-MAIN-\d{4}-\d{2}$")
SEGMENT = re.compile(r"/segments/([^/]+)/")


def listing_url(crawl: str, fmt: str = "warc", base_url: str = CC_BASE_URL) -> str:
    if not CRAWL_PATTERN.match(crawl):
        raise ValueError(f"--crawl {crawl!r} is not a crawl id like CC-MAIN-2024-10")
    if fmt not in ("warc", "wet"):
        raise ValueError(f"--format {fmt!r}: choose warc or wet")
    return f"{base_url.rstrip('/')}/crawl-data/{crawl}/{fmt}.paths.gz"


def select_segments(paths: list[str], spec: str | None) -> list[str]:
    """Keep the paths of the segments `spec` names: indices into the sorted segment list (`0`, `3-5`)
    or segment ids (`1707947473347.0`), comma-separated. None keeps all."""
    if not spec:
        return paths
    segments = sorted({m.group(1) for p in paths if (m := SEGMENT.search(p))})
    wanted: set[str] = set()
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if item in segments:
            wanted.add(item)
        elif re.fullmatch(r"\d+(-\d+)?", item):
            low, _, high = item.partition("-")
            first, last = int(low), int(high or low)
            if last >= len(segments) or first > last:
                raise ValueError(f"--segments {item}: the crawl has segments 0-{len(segments) - 1}")
            wanted.update(segments[first : last + 1])
        elif re.fullmatch(r"\d{13}\.\d+", item):  # the form of Common Crawl's segment ids, 1707947473347.0
            raise ValueError(f"--segments {item}: no such segment in this crawl (its {len(segments)} segments run "
                             f"from {segments[0]} to {segments[-1]})" if segments else
                             f"--segments {item}: the crawl's listing names no segments")
        else:
            raise ValueError(f"--segments {item!r} is neither a segment index, a range nor a segment id")
    return [p for p in paths if (m := SEGMENT.search(p)) and m.group(1) in wanted]


def crawl_files(
    crawl: str,
    fmt: str = "warc",
    segments: str | None = None,
    limit_files: int | None = None,
    base_url: str = CC_BASE_URL,
    retry: RetryPolicy = RetryPolicy(),
) -> list[str]:
    """The URLs of a crawl's files, from its public `warc.paths.gz` / `wet.paths.gz` listing."""
    with open_input(listing_url(crawl, fmt, base_url), retry=retry) as stream:
        paths = gzip.decompress(stream.read()).decode().split()
    chosen = select_segments(paths, segments)
    if limit_files is not None:
        chosen = chosen[:limit_files]
    return [base_url.rstrip("/") + "/" + path for path in chosen]
