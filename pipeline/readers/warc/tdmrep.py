"""The sites' `/.well-known/tdmrep.json` files a crawl file holds (TDMRep's site-wide opt-out, licenses/optout.py).

Ingest reads them from every input before it reads any page (pipeline/stages/ingest.py): a site's file may lie in
another WARC file than its pages, and each file is read on its own executor."""

from collections.abc import Callable
from typing import BinaryIO

from licenses.optout import SiteRule, TdmrepError, is_well_known, site_of, site_rules
from pipeline.readers.warc.http import PayloadError, parse_http_response
from pipeline.readers.warc.records import WarcRecord, read_records

# Bodies are read this far: a tdmrep.json is a few rules, and the pass stays cheap over pages larger than this (whose
# bytes are neither kept nor digested). A file larger than this is cut, and listed as unreadable.
MAX_FILE = 1 << 16


def tdmrep_files(open_at: Callable[[int], BinaryIO], name: str) -> list[dict]:
    """One row per tdmrep.json response of the file: its site, URL, WARC date, and its rules or why it has none
    (`problem`). Damaged records and other records are passed over: the ingest of the file counts them."""
    found = []
    for item in read_records(open_at, name, MAX_FILE):
        if not isinstance(item, WarcRecord) or item.problem or item.record_type != "response" \
                or not is_well_known(item.target_uri()):
            continue
        row = {"site": site_of(item.target_uri()), "url": item.target_uri(),
               "date": item.date.isoformat() if item.date else "", "rules": [], "problem": ""}
        try:
            response = parse_http_response(item.body, MAX_FILE)
            if response.status != 200:
                continue  # no file: the site states nothing there
            row["rules"] = [[rule.location, rule.reserved, rule.policy] for rule in site_rules(response.payload)]
        except (PayloadError, TdmrepError) as exc:
            row["problem"] = str(exc)[:200]
        found.append(row)
    return found


def crawl_sites(rows: list[dict]) -> tuple[dict[str, list[SiteRule]], dict]:
    """host -> rules of the latest capture of each site's file (by WARC date, then URL), and what `_stats.json`
    says of them: the sites with rules, and the files that could not be read as rules."""
    latest: dict[str, dict] = {}
    for row in sorted(rows, key=lambda row: (row["date"], row["url"])):
        if row["site"]:
            latest[row["site"]] = row
    sites = {site: [SiteRule(*rule) for rule in row["rules"]] for site, row in latest.items() if not row["problem"]}
    unread = {row["url"]: row["problem"] for row in latest.values() if row["problem"]}
    return sites, {"sites": sorted(sites), "unreadable": unread}
