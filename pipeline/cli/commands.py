"""The bodies of `curate`'s commands: check what was given, start Spark, run the stage, print what came out.

What loads pyarrow, numba or Spark's modules (a stage, the readers only it needs, the output folder) is imported
inside the command that uses it: a second or more that `curate --help` and the other commands' refusals need not
wait for."""

import argparse
import glob
import os
import sys

from pipeline.console import print_clusters, print_documents, print_summary
from pipeline.readers.warc.crawl_listing import crawl_files
from pipeline.spark.session import get_session, java_problem, under_spark_submit, unreachable_master
from pipeline.storage.inputs import WARC_SUFFIXES, expand_inputs, overlapping
from pipeline.storage.locations import RetryPolicy, is_local, local_path, shown_path
from pipeline.storage.sniff import looks_like_warc


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(sorted({x.strip() for x in text.split(",") if x.strip()})) if text else ()


def run_rpv2_ingest_command(args: argparse.Namespace) -> int:
    from pipeline.readers.rpv2.shards import select_shards  # late (module docstring)
    from pipeline.stages.ingest_rpv2 import run_rpv2_ingest

    if args.inputs or args.crawl:
        raise ValueError("--rpv2 reads RedPajama-V2 alone (no INPUT files, no --crawl)")
    retry = RetryPolicy(attempts=args.retries, base_wait=args.retry_wait)
    shards = select_shards(args.rpv2, args.listing, _names(args.snapshots), _names(args.languages),
                           _names(args.buckets), retry)
    if args.limit_files is not None:
        shards = shards[: args.limit_files]
    stats = run_rpv2_ingest(_session(args, "curate ingest --rpv2"), args.rpv2, shards, args.output, retry,
                            args.on_missing, args.limit_records, overwrite=args.overwrite, progress=not args.quiet,
                            on_error=args.on_error)
    return ingest_status(args.output, stats)


def run_source_ingest_command(args: argparse.Namespace) -> int:
    from pipeline.readers.langid import default_lid_model  # late (module docstring)
    from pipeline.readers.sources.spec import load_source
    from pipeline.stages.ingest_source import run_source_ingest, source_inputs

    given = [flag for flag, value in (("INPUT", args.inputs), ("--crawl", args.crawl), ("--rpv2", args.rpv2),
                                      ("--languages", args.languages), ("--limit-records", args.limit_records))
             if value]
    if given:
        raise ValueError(f"{' and '.join(given)}: not with --source, which reads the files its source file names "
                         "(docs/sources.md lists the options that apply)")
    source = load_source(args.source)
    inputs = checked_inputs(args, source_inputs(source), source.paths)
    if args.limit_files is not None:
        inputs = inputs[: args.limit_files]
    stats = run_source_ingest(_session(args, "curate ingest --source"), source, inputs, args.output,
                              args.lid_model or default_lid_model(), args.lid_chars,
                              RetryPolicy(attempts=args.retries, base_wait=args.retry_wait), args.on_missing,
                              overwrite=args.overwrite, progress=not args.quiet, on_error=args.on_error)
    return ingest_status(args.output, stats)


def run_ingest_command(args: argparse.Namespace) -> int:
    from pipeline.readers.langid import check_languages, default_lid_model  # late (module docstring)
    from pipeline.readers.warc.documents import IngestOptions
    from pipeline.stages.ingest import refuse_shared_names, run_ingest

    if args.source:
        return run_source_ingest_command(args)
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
        on_error=args.on_error,
    )
    return ingest_status(args.output, stats)


def _refuse_no_warc(inputs: list[str]) -> None:
    """Refuse local inputs that are not WARC/WET files before Spark starts: each would only be counted as
    `not_a_warc`. Remote inputs are checked by the job."""
    junk = [x for x in inputs if is_local(x) and _exists(x) and not looks_like_warc(local_path(x))]
    if junk:
        more = f" (and {len(junk) - 1} more)" if len(junk) > 1 else ""
        raise ValueError(f"{junk[0]}{more}: not a WARC/WET file (no record header line such as `WARC/1.0`, "
                         "plain or gzipped, in its first MiB)")


def _exists(location: str) -> bool:
    """False only for a local path that is not there (a remote input is tried by the job)."""
    return not is_local(location) or os.path.exists(local_path(location))


def input_files(args: argparse.Namespace, suffixes: tuple[str, ...] | None = None) -> list[str]:
    """The INPUT arguments as files; refused when --output overlaps them (a rerun would read its own output,
    and --overwrite would delete the inputs)."""
    return checked_inputs(args, expand_inputs(args.inputs, suffixes or WARC_SUFFIXES), args.inputs)


def checked_inputs(args: argparse.Namespace, files: list[str], given: list[str]) -> list[str]:
    """The files to read, refused when --output overlaps them or what was `given` (a rerun would read its own
    output, and --overwrite would delete the inputs) and when one is missing (unless --on-missing skip)."""
    inside = overlapping(args.output, [*given, *files])
    if inside is not None:
        raise ValueError(f"--output {args.output} overlaps the input {inside}; choose another output")
    missing = [location for location in files if not _exists(location)]
    on_missing = getattr(args, "on_missing", None)  # None: a command without the option, which fails
    if missing and on_missing == "skip" and len(missing) == len(files):
        raise ValueError(f"none of the inputs exists ({', '.join(given)}); --on-missing skip would seal an "
                         "empty output")
    if missing and on_missing != "skip":
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        skip = "; --on-missing skip ingests the others" if on_missing and len(missing) < len(files) else ""
        what = "no file matches" if glob.has_magic(missing[0]) else "input not found:"
        raise ValueError(f"{what} {missing[0]}{more}{skip}")
    return files


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


def run_signals_command(args: argparse.Namespace) -> int:
    from pipeline.readers.documents import DOCUMENT_SUFFIXES  # late (module docstring)
    from pipeline.stages.signals.run import run_signals, warn_artifacts
    from signals.artifacts import check_artifacts

    inputs = input_files(args, DOCUMENT_SUFFIXES)
    if args.artifacts:
        check_artifacts(args.artifacts)  # a broken file is named as given, before Spark ships a copy of it
    warn_artifacts(args.artifacts)  # before Spark starts, not after the work
    stats = run_signals(_session(args, "curate signals"), inputs, args.output, args.artifacts,
                        overwrite=args.overwrite, progress=not args.quiet, export=args.export, on_error=args.on_error)
    print_summary(args.output, stats)
    return failed_status("signals", stats)


def run_translate_command(args: argparse.Namespace) -> int:
    from pipeline.readers.documents import DOCUMENT_SUFFIXES  # late (module docstring)
    from pipeline.readers.langid import default_lid_model
    from pipeline.stages.translate.run import run_translate, translation_lines
    from pipeline.stages.translate.selection import Slice, check_columns
    from translate.languages import language
    from translate.qc import load_qc

    targets = _names(args.target)
    for flag, code in [*(("--target", code) for code in targets), ("--source", args.source)]:
        try:
            language(code)
        except ValueError as exc:
            raise ValueError(f"{flag} {code}: {exc}") from None
    if args.source in targets:
        raise ValueError(f"--target {args.source}: the documents are in that language already (--source)")
    selection = Slice(dumps=_names(args.dumps), min_int_score=args.min_int_score, min_score=args.min_score,
                      fraction=args.fraction, seed=args.seed, max_docs=args.max_docs, max_tokens=args.max_tokens)
    inputs = input_files(args, DOCUMENT_SUFFIXES)
    check_columns(inputs, selection)
    qc = load_qc(args.qc)
    stats = run_translate(_session(args, "curate translate"), inputs, args.output, args.engine, args.model,
                          dict(args.option), targets, qc, args.lid_model or default_lid_model(), args.source,
                          selection, keep_source=args.keep_source, overwrite=args.overwrite, progress=not args.quiet)
    print_summary(args.output, stats)
    for line in translation_lines(stats):
        print(line)
    return failed_status("translate", stats)


def run_artifacts_build(args: argparse.Namespace) -> int:
    from pipeline.stages.artifacts import BuildRequest, build_artifacts  # late (module docstring)

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
    # late (module docstring)
    from pipeline.stages.artifacts import LDNOOBW_URL, UT1_URL, FetchLimits, fetch_artifacts, parse_pins

    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    limits = FetchLimits(args.max_download_bytes, args.max_file_bytes, args.max_extracted_bytes, args.max_entries)
    done = fetch_artifacts(args.artifacts, limits, languages, args.ldnoobw_url or LDNOOBW_URL,
                           None if args.no_ut1 else args.ut1_url or UT1_URL, RetryPolicy(attempts=args.retries),
                           parse_pins(args.sha256))
    for line in done:
        print(line)
    return 0


def run_dedup_command(args: argparse.Namespace) -> int:
    from pipeline.readers.documents import DOCUMENT_SUFFIXES  # late (module docstring)
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
                      progress=not args.quiet, on_error=args.on_error)
    print_summary(args.output, stats)
    print_clusters(stats)
    return 0


def run_decontaminate_command(args: argparse.Namespace) -> int:
    from pipeline.readers.documents import DOCUMENT_SUFFIXES  # late (module docstring)
    from pipeline.stages.decontaminate import parse_benchmarks, read_benchmarks, run_decontaminate

    benchmarks = parse_benchmarks(args.benchmark)
    columns = tuple(dict.fromkeys(name.strip() for name in args.benchmark_columns.split(",") if name.strip()))
    if not columns:
        raise ValueError("--benchmark-columns: name at least one column")
    if args.min_item_words > args.ngram:
        raise ValueError(f"--min-item-words {args.min_item_words} is more than --ngram {args.ngram}")
    inputs = input_files(args, DOCUMENT_SUFFIXES)
    built = read_benchmarks(benchmarks, columns, args.ngram, args.min_item_words)  # before Spark starts
    stats = run_decontaminate(_session(args, "curate decontaminate"), inputs, args.output, built,
                              overwrite=args.overwrite, progress=not args.quiet)
    print_summary(args.output, stats)
    for name, counts in stats["benchmarks"].items():
        print(f"{name}: {counts['items']:,} items ({counts['skipped_short']:,} skipped as shorter than "
              f"{stats['min_item_words']} words), {counts['documents_flagged']:,} documents flagged")
    return 0


def run_demo_command(args: argparse.Namespace) -> int:
    from pipeline.demo.run import run_demo  # late (module docstring)

    crawl = None
    if args.crawl:
        crawl = {"crawl": args.crawl, "segments": args.segments, "limit_files": args.limit_files,
                 "limit_records": args.limit_records}
    return run_demo(lambda: _session(args, "curate demo"), args.output, progress=not args.quiet, crawl=crawl)


def run_run_command(args: argparse.Namespace) -> int:
    from pipeline.stages.run.runner import run_pipeline  # late (module docstring)
    from pipeline.stages.run.spec import load_pipeline

    return run_pipeline(lambda: _session(args, "curate run"), load_pipeline(args.pipeline),
                        progress=not args.quiet, dry_run=args.dry_run)


def run_subset_command(args: argparse.Namespace) -> int:
    from pipeline.stages.subset.plan import plan_subset  # late (module docstring)
    from pipeline.stages.subset.run import explain, run_subset, subset_job
    from pipeline.stages.subset.summary import kept_size, nothing_kept, null_notes, redaction_note
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
    if stats.get("redacted"):
        print(redaction_note(stats))
    empty = nothing_kept(stats)
    if empty:
        sys.stdout.flush()  # the last line, after the table
        print(f"curate subset: warning: {empty}", file=sys.stderr)
    return 0


def run_report_command(args: argparse.Namespace) -> int:
    from pipeline.stages.report.page import load_subset, run_report  # late (module docstring)

    load_subset(args.directory)  # refuse a folder that is not a subset output before Spark starts
    path = run_report(_session(args, "curate report"), args.directory, progress=not args.quiet)
    print(f"report: {shown_path(path)}")
    return 0


def run_publish_command(args: argparse.Namespace) -> int:
    from pipeline.stages.publish import check_repo_id, plan_text, publish, publish_files  # late (module docstring)

    files = publish_files(args.directory)
    check_repo_id(args.repo_id)
    print(plan_text(args.directory, args.repo_id, files, args.private))
    if args.dry_run:
        print("dry run: nothing sent")
        return 0
    commit = publish(args.directory, args.repo_id, args.private, RetryPolicy(args.retries, args.retry_wait))
    print(f"published: {commit}")
    return 0


def run_audit_command(args: argparse.Namespace) -> int:
    from pipeline.stages.audit.run import run_audit  # late (module docstring)

    if not os.path.isdir(local_path(args.directory)) and is_local(args.directory):
        raise FileNotFoundError(f"{args.directory}: no such folder")
    report = run_audit(None if args.books_only else _session(args, "curate audit"), args.directory)
    print(report)
    return report.exit_status


def run_status_command(args: argparse.Namespace) -> int:
    from pipeline.stages.status import output_statuses, status_text  # late (module docstring)

    print(status_text(args.directory, output_statuses(args.directory)))
    return 0


def _session(args: argparse.Namespace, name: str):
    from pipeline.storage.output_dir import refuse_unavailable_output  # late (module docstring)

    if getattr(args, "output", None):
        refuse_unavailable_output(args.output)
    problem = java_problem() or (args.master and not under_spark_submit() and unreachable_master(args.master))
    if problem:
        raise ValueError(problem)  # said as every other refusal: `curate X: error: ...`, exit status 2
    return get_session(args.master, name)
