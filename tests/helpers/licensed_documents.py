"""Documents with licences, sources, attributions and opt-outs, as the licence, exclusion and card tests read them:
a documents Parquet input (web licence detection is ingest's; here every column is set by hand)."""

from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.parquet as pq

from pipeline.schema import documents_table
from tests.helpers.warc_fixtures import SENTENCE

LICENCES = ["CC-BY-SA-4.0", "CC0-1.0", "MIT", "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-ND-4.0", None,
            "LicenseRef-Public-Domain", "ODC-By-1.0", "CC-BY-SA-3.0", "Apache-2.0"]
HOSTS = ["news.example", "blog.news.example", "a.b.news.example", "other.example", "news.example.org"]
WIKIPEDIA = "Wikipedia contributors, https://en.wikipedia.org"


def licensed_rows(count: int = 66) -> list[dict]:
    """Every third document from Wikipedia (an attribution, no opt-out: null), one in eleven with neither a URL
    nor an attribution, the rest web pages on HOSTS, every fourth of them reserved."""
    rows = []
    for i in range(count):
        row = {"id": f"doc-{i:03d}", "text": f"Document {i}. {SENTENCE}", "license": LICENCES[i % len(LICENCES)]}
        if i % 3 == 0:
            row.update(source="enwiki", url=f"https://en.wikipedia.org/wiki/Article_{i}",
                       meta={"attribution": WIKIPEDIA})
        elif i % 11 == 7:
            row.update(source="notes")
        else:
            row.update(source="common_crawl", url=f"https://{HOSTS[i % len(HOSTS)]}/page-{i}",
                       tdm_reserved=i % 4 == 1, meta={"warc_file": "x.warc.gz"})
        rows.append(row)
    return rows


def write_licensed(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True)
    pq.write_table(documents_table(rows), folder / "part-0.parquet")
    return folder


def host(url: str | None) -> str:
    return urlsplit(url).hostname if url else ""
