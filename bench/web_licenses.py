"""What finding the licence of web pages costs ingest: the in-process pipeline on the same WARCs with detection on
and off, alternating from round to round, in CPU time per record; with resiliparse (the goal), and with
trafilatura, for which the page is parsed by resiliparse for the detector alone.

Run: python -m bench.web_licenses [--repeat N] [--rounds R]   (`make bench-licenses`)
Prints the figures and writes them to docs/benchmarks.md under SECTION.
"""

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from unittest.mock import patch

import pipeline.readers.warc.documents as warc_documents_module
from bench.ingest import (
    DATA,
    PAGE_GLOBS,
    Run,
    clock,
    command_line,
    load_pages,
    machine,
    measured,
    publish,
    timed_call,
    write_bench_warc,
)
from pipeline.accounting import Stats
from pipeline.readers.langid import LanguageIdentifier, default_lid_model
from pipeline.readers.warc.documents import IngestOptions, warc_documents
from pipeline.storage.locations import open_input

SECTION = "## Licences in web pages (curate ingest)"
CRAWLS = DATA.parent / "cc"
GOAL = 0.05
ROUNDS = 8
REPEAT = 3


class Unparsed:
    """In place of HTMLTree when detection is off with trafilatura, which needs no resiliparse tree."""

    @staticmethod
    def parse(html: str) -> None:
        return None


@dataclass
class Rounds:
    """The runs of one set of WARCs, detection on and off, and what one pass over them reads."""

    name: str
    extractor: str
    records: int
    pages: int  # documents from HTML pages
    declared: int  # pages that declare a licence
    on: list[Run]
    off: list[Run]

    def cpu_per_record(self, runs: list[Run]) -> float:
        return statistics.median(run.time.cpu for run in runs) / self.records

    def ratios(self) -> list[float]:
        """Per round: CPU time with detection over CPU time without, minus one."""
        return [on.time.cpu / off.time.cpu - 1 for on, off in zip(self.on, self.off, strict=True)]

    def detection_share(self) -> float:
        """The detector's own time (its calls, and what seeking its candidates adds to the walk of the tree that
        refuses a page too deep) over the time of the runs with it (wall)."""
        walk = sum(run.parts["select"] for run in self.on) - sum(run.parts["select"] for run in self.off)
        return (sum(run.parts["license"] for run in self.on) + walk) / sum(run.time.wall for run in self.on)


def ingest_pass(paths: list[str], options: IngestOptions, lid: LanguageIdentifier, detect: bool) -> Run:
    """warc_documents over every file, as `curate ingest` calls it in a worker; the detector's calls timed inside
    the run, or replaced by one that finds nothing and no candidates sought in the walk that refuses a page too
    deep for resiliparse (and, with trafilatura, no resiliparse parse either)."""
    seconds = {"license": 0.0, "select": 0.0}
    detector = timed_call(warc_documents_module.page_license, "license", seconds) if detect else \
        (lambda *args: None)
    stats = Stats()
    parser = Unparsed if options.extractor == "trafilatura" and not detect else warc_documents_module.HTMLTree
    candidates = warc_documents_module.CANDIDATES if detect else ""
    with patch.object(warc_documents_module, "page_license", detector), \
            patch.object(warc_documents_module, "HTMLTree", parser), \
            patch.object(warc_documents_module, "CANDIDATES", candidates), \
            patch.object(warc_documents_module, "select", timed_call(warc_documents_module.select, "select", seconds)):
        start = clock()
        for path in paths:
            for _ in warc_documents(lambda offset, path=path: open_input(path, offset), path, options, lid,
                                       stats):
                pass
        span = clock() - start
    return Run(span, parts={**seconds, "kept": stats.kept, "errors": sum(stats.errors.values())})


def census(paths: list[str], options: IngestOptions, lid: LanguageIdentifier) -> tuple[int, int, int]:
    """(records read, HTML pages, pages declaring a licence) of one pass over the files."""
    stats, pages, declared = Stats(), 0, 0
    for path in paths:
        for table in warc_documents(lambda offset, path=path: open_input(path, offset), path, options, lid,
                                       stats):
            for meta in table.column("meta").to_pylist():
                keys = dict(meta)
                pages += keys["extractor"] != "wet"
                declared += "license_evidence" in keys and not keys["license_evidence"].startswith("conflict")
    return stats.read, pages, declared


def bench(name: str, paths: list[str], rounds: int, lid: LanguageIdentifier, extractor: str) -> Rounds:
    options = IngestOptions(extractor=extractor)
    records, pages, declared = census(paths, options, lid)  # also the warm-up
    runs: dict[bool, list[Run]] = {True: [], False: []}
    for round_no in range(rounds):
        for detect in (True, False) if round_no % 2 == 0 else (False, True):
            print(f"[{extractor}, {name[:40]}] round {round_no + 1} of {rounds}: detection "
                  f"{'on' if detect else 'off'}", file=sys.stderr)
            runs[detect].append(measured(lambda detect=detect: ingest_pass(paths, options, lid, detect)))
    outcomes = {(run.parts["kept"], run.parts["errors"]) for run in runs[True] + runs[False]}
    if len(outcomes) != 1:
        raise AssertionError(f"{name}: detection on and off kept different documents: {outcomes}")
    return Rounds(name, extractor, records, pages, declared, runs[True], runs[False])


def report(results: list[Rounds], command: str) -> str:
    rounds = len(results[0].on)
    lines = [
        SECTION,
        "",
        f"Command: `{command}` (`make bench-licenses`). The in-process ingest pipeline (`warc_documents`: reading, "
        "HTTP, decoding, the resiliparse parse, extraction, language ID, Arrow) over the same WARCs with licence "
        f"detection (`licenses/web.py`) on and off, in one Python process on one core, {rounds} rounds each, "
        "the order alternating. \"Off\" replaces the detector by one that finds nothing and seeks no candidates "
        "in the walk of the tree that refuses a page too deep for resiliparse; with resiliparse the page is "
        "parsed and walked once either way, for the extractor, while with trafilatura \"off\" skips the "
        "resiliparse parse and walk, which only the detector needs. CPU time of the process decides (the "
        "machine is shared). The detector's own time is also timed inside the runs (wall time): its calls, "
        "and what seeking its candidates adds to the walk (that walk timed on and off). Spark's own costs (JVM, "
        "Parquet, commit) come on top of both alike, "
        "so the share of a whole `curate ingest` is smaller.",
        "",
        f"Machine: {machine(('resiliparse', 'trafilatura', 'fastwarc'))}.",
        "",
        "| extractor | WARCs | records a pass | documents from HTML | declaring a licence | CPU ms/record off | "
        "CPU ms/record on | on over off, per round: median (min .. max) | detector's own time over the time of "
        "the runs with it | other load (cores, max) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratios = r.ratios()
        load = max(run.other_load for run in r.on + r.off)
        lines.append(
            f"| {r.extractor} | {r.name} | {r.records} | {r.pages} | {r.declared} | "
            f"{1000 * r.cpu_per_record(r.off):.3f} | {1000 * r.cpu_per_record(r.on):.3f} | "
            f"{statistics.median(ratios):+.1%} ({min(ratios):+.1%} .. {max(ratios):+.1%}) | "
            f"{r.detection_share():.1%} | {load:.2f} |")
    lines += ["", f"Verdict (goal: detection adds under {GOAL:.0%} to ingest time with resiliparse; both figures "
              "must be under it):", ""]
    for r in results:
        added, own = statistics.median(r.ratios()), r.detection_share()
        verdict = f"goal {'met' if max(added, own) < GOAL else 'not met'} as measured" \
            if r.extractor == "resiliparse" else "no goal"
        lines.append(f"- {r.extractor}, {r.name}: **{verdict}**: {added:+.1%} CPU time (median of the rounds), "
                     f"the detector's own time {own:.1%} of the time of the runs with it.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_licenses", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=REPEAT,
                        help=f"copies of the real pages and passes over the crawl files (default {REPEAT}; "
                        "trafilatura, ten times slower, reads one)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"runs each way (default {ROUNDS})")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.rounds < 1:
        parser.error("--repeat and --rounds take at least 1")
    crawls = sorted(str(path) for path in CRAWLS.glob("*.warc.gz"))
    if not crawls:
        raise SystemExit(f"bench.web_licenses: no WARCs in {CRAWLS}; the benchmark needs ../shared/data")
    lid = LanguageIdentifier(default_lid_model(), IngestOptions().lid_chars)
    lid.predict(["warm-up"])  # loads the compiled model code
    pages = load_pages(DATA)
    with tempfile.TemporaryDirectory(prefix="bench-licenses-") as tmp:
        results = []
        for extractor, repeat in (("resiliparse", args.repeat), ("trafilatura", 1)):
            warc = os.path.join(tmp, f"pages-{repeat}.warc.gz")
            write_bench_warc(warc, pages, repeat)
            results.append(bench(f"{repeat} x the {len(pages)} real pages of `../shared/data/html` "
                                 f"({', '.join(PAGE_GLOBS)}) in one WARC, as `make bench-ingest` writes it",
                                 [warc], args.rounds, lid, extractor))
            results.append(bench(f"the {len(crawls)} WARCs of `../shared/data/cc` (Common Crawl, dolma's and "
                                 f"resiliparse's samples), {repeat} passes", crawls * repeat, args.rounds, lid,
                                 extractor))
    publish(report(results, command_line("bench.web_licenses", argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
