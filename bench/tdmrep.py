"""What honouring opt-outs costs ingest, on one core: the first pass for tdmrep.json files against the ingest of the
same WARC, and the per-page opt-out check against the page's extraction.

Run: python -m bench.tdmrep [--rounds R]
The WARC holds the 241 real pages of ../shared/data/html (as bench/ingest.py builds it), each file's figure the
fastest of R rounds. Prints the figures that docs/licenses.md gives ("A site's tdmrep.json")."""

import argparse
import gzip
import tempfile
import time
from functools import partial
from pathlib import Path

from licenses.optout import page_optout
from pipeline.accounting import Stats
from pipeline.demo.warc_writer import http_response, warc_record, warcinfo, write_warc
from pipeline.readers.langid import LanguageIdentifier, default_lid_model
from pipeline.readers.warc.charset import decode_html
from pipeline.readers.warc.documents import IngestOptions, warc_documents
from pipeline.readers.warc.tdmrep import tdmrep_files
from pipeline.storage.locations import open_input

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "html"
PAGE_GLOBS = ("scrapinghub/html/*.html.gz", "trafilatura_eval/html/*.html.gz")


def fastest(rounds: int, run) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = [gzip.decompress(path.read_bytes()) for pattern in PAGE_GLOBS for path in sorted(DATA.glob(pattern))]
    lid = LanguageIdentifier(default_lid_model())
    with tempfile.TemporaryDirectory() as folder:
        warc = str(Path(folder) / "pages.warc.gz")
        write_warc(warc, [warcinfo("CC-MAIN-2099-01", "pages.warc.gz")] + [
            warc_record("response", http_response(page), uri=f"https://site{n}.example/page") for n, page in
            enumerate(pages)])
        open_at = lambda offset: open_input(warc, offset)  # noqa: E731
        scan = fastest(args.rounds, partial(tdmrep_files, open_at, "pages.warc.gz"))
        html = [decode_html(page, None)[0] for page in pages]
        check = fastest(args.rounds, partial(_checks, html))
        print(f"{len(pages)} pages; first pass (tdmrep_files): {scan:.3f} s; opt-out check "
              f"{1e3 * check / len(pages):.3f} ms a page")
        for extractor in ("resiliparse", "trafilatura"):
            run = partial(_ingest, open_at, warc, IngestOptions(extractor=extractor), lid)
            ingest = fastest(args.rounds, run)
            print(f"ingest with {extractor}: {ingest:.3f} s; the first pass is {100 * scan / ingest:.1f}% of it, "
                  f"the opt-out checks {100 * check / ingest:.2f}%")


def _checks(html: list[str]) -> None:
    for text in html:
        page_optout("https://a.example/", [], text)


def _ingest(open_at, warc: str, options: IngestOptions, lid: LanguageIdentifier) -> None:
    for _ in warc_documents(open_at, warc, options, lid, Stats()):
        pass

if __name__ == "__main__":
    main()
