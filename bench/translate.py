"""Translate benchmark: the `curate translate` job against CTranslate2 alone, on the same segments with the same
batches and decoding, with a model of OPUS-MT's size; and the repeat cache's saving on the parity documents.

Run: python -m bench.translate [--documents 20] [--rounds 3] [--beam-size 1] [--threads 2]   (make bench-translate)

Model: transformer-base as OPUS-MT's (6+6 layers, 512 dimensions, 8 heads, 2048 in the feed-forward layers, a 32k
vocabulary; tests/helpers/ct2_models.py), random weights, int8 on the CPU, with a SentencePiece model of 8,000
pieces trained here on the parity documents' text (a toy vocabulary would cut words into many more pieces than a
real model's). Random weights seldom decode the end token, so every segment decodes to the limit: the limit is
1.2 times the segments' mean source length, the work a trained model does on text of that length (one limit per
job: CTranslate2 takes one per call).

Documents: the first `--documents` parity documents (real web pages, ../shared/parity/public.jsonl) in one
FineWeb-Edu-shaped Parquet file (tests/helpers/fineweb_edu.py), translated into one language.
- job: `run_translate` on Spark local[1] (session start-up and a warm-up job excluded): reading, the slice,
  segmenting, the repeat cache, batching, CTranslate2, rebuilding, the QC checks (language ID included), the
  Parquet part and the commit;
- CTranslate2 alone: the distinct segments the job gives the engine, in its very batches (sorted by length,
  MAX_BATCH_TOKENS source tokens each), encoded, `Translator.translate_batch` with the same options, decoded.
Both have the model loaded and warmed up (a first run not counted), and both give CTranslate2 `--threads`
threads: Spark sets OMP_NUM_THREADS to a task's cores (1) in its Python workers, where CTranslate2's own default
would then be one thread. Each runs `--rounds` times, in turn, timed by the wall clock and by the CPU seconds of
this process and its children (the JVM, the Python workers). The machine is shared: the cores all processes kept
busy are shown.
The repeat cache's saving is counted on all 274 parity documents: segments and source tokens the engine is spared.
"""

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import ctranslate2
import pyarrow as pa
import pyarrow.parquet as pq
import sentencepiece

from bench.ingest import children_cpu, machine, machine_busy
from pipeline.readers.langid import default_lid_model
from pipeline.spark.session import get_session
from pipeline.stages.translate.run import run_translate
from tests.helpers.ct2_models import OPUS_MT_BASE, marian_model
from tests.helpers.fineweb_edu import FINEWEB_EDU_SCHEMA, fineweb_edu_rows
from tests.helpers.paths import SHARED
from translate.document import MAX_BATCH_TOKENS, batches
from translate.qc import load_qc
from translate.segment import segment

PARITY = SHARED / "parity" / "public.jsonl"
SPM_PIECES = 8000
RATIO = 1.2  # output over source tokens decoded


def parity_texts() -> list[str]:
    if not PARITY.exists():
        sys.exit(f"{PARITY} is absent: the benchmark translates the parity documents of ../shared")
    return [json.loads(line)["text"] for line in PARITY.read_text().split("\n") if line.strip()]


def train_spm(texts: list[str], path: Path) -> sentencepiece.SentencePieceProcessor:
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=str(path.with_suffix("")),
                                             vocab_size=SPM_PIECES, character_coverage=1.0, minloglevel=2)
    return sentencepiece.SentencePieceProcessor(model_file=str(path))


def distinct_segments(texts: list[str], spm, max_tokens: int) -> tuple[list[str], dict[str, int], int]:
    """The segments of the texts once each, their token counts, and how many there are with repeats."""
    counter = lambda text: len(spm.encode(text))  # noqa: E731 - the engine's count_tokens
    every = [piece for text in texts for piece in segment(text, "en", max_tokens, counter).segments]
    distinct = list(dict.fromkeys(every))
    return distinct, {piece: counter(piece) for piece in distinct}, len(every)


def ct2_alone(translator: ctranslate2.Translator, spm, segments: list[str], tokens: dict[str, int],
              options: dict) -> tuple[float, int]:
    """Seconds and target tokens of CTranslate2 on the segments, in the job's batches."""
    start, produced = time.perf_counter(), 0
    for batch in batches(segments, tokens, MAX_BATCH_TOKENS):
        results = translator.translate_batch([spm.encode(text, out_type=str) for text in batch],
                                             return_end_token=True, max_input_length=0, **options)
        for result in results:
            pieces = result.hypotheses[0]
            spm.decode([piece for piece in pieces if piece != "</s>"])
            produced += len(pieces)
    return time.perf_counter() - start, produced


def job(spark, inputs: list[str], out: Path, model: Path, options: dict) -> tuple[float, dict]:
    start = time.perf_counter()
    stats = run_translate(spark, inputs, str(out), "ct2", str(model), options, ("fr",), load_qc(),
                          default_lid_model(), progress=False)
    return time.perf_counter() - start, stats["translation"]["fr"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="CTranslate2's threads, in both paths")
    args = parser.parse_args()
    texts = parity_texts()
    work = Path(tempfile.mkdtemp(prefix="bench-translate-"))
    try:
        run(args, texts, work)
    finally:
        shutil.rmtree(work)


def run(args: argparse.Namespace, texts: list[str], work: Path) -> None:
    spm = train_spm(texts, work / "spm.model")
    model = marian_model(work / "opus-mt-base-random", work / "spm.model", layers=OPUS_MT_BASE["layers"],
                         dim=OPUS_MT_BASE["dim"], heads=OPUS_MT_BASE["heads"], ffn=OPUS_MT_BASE["ffn"],
                         vocab_size=OPUS_MT_BASE["vocab_size"])
    chosen = texts[: args.documents]
    inputs = [str(work / "in" / "000_00000.parquet")]
    Path(inputs[0]).parent.mkdir()
    pq.write_table(pa.Table.from_pylist(fineweb_edu_rows(len(chosen), texts=chosen), FINEWEB_EDU_SCHEMA), inputs[0])
    segments, tokens, occurrences = distinct_segments(chosen, spm, 256)
    limit = math.ceil(RATIO * sum(tokens.values()) / len(segments))
    decoding = {"beam_size": args.beam_size, "max_decoding_length": limit, "repetition_penalty": 1.0,
                "no_repeat_ngram_size": 0}
    # the retry decodes as the first pass: a random model's segments all stop at the limit, and a retry of each
    # would double the work of the job only
    options = {**decoding, "intra_threads": args.threads, "retry_beam_size": args.beam_size,
               "retry_repetition_penalty": 1.0, "retry_no_repeat_ngram_size": 0}
    spark = get_session("local[1]", "bench-translate")
    # loaded once and warmed up, as the job's engine is in its Python worker by the warm-up job
    translator = ctranslate2.Translator(str(model), device="cpu", compute_type="int8", intra_threads=args.threads)
    ct2_alone(translator, spm, segments, tokens, decoding)
    job(spark, inputs, work / "warm-up", model, options)
    figures: dict[str, list[tuple[float, int, float, float]]] = {"job": [], "ct2": []}
    for number in range(args.rounds):
        order = ("job", "ct2") if number % 2 == 0 else ("ct2", "job")
        for name in order:
            busy, wall, own, kids = machine_busy(), time.perf_counter(), time.process_time(), children_cpu()
            if name == "job":
                seconds, counts = job(spark, inputs, work / f"out-{number}", model, options)
                produced = counts["target_tokens"]
            else:
                seconds, produced = ct2_alone(translator, spm, segments, tokens, decoding)
            # the other processes' share of the machine: what it was busy with beyond our own 1-2 cores is unknown
            # per process, so the whole machine's busy cores are shown
            # CPU seconds of this process and its children (the JVM, the Python workers): what the work cost,
            # whatever else the machine ran meanwhile
            cpu = time.process_time() - own + sum(c - kids.get(pid, 0.0) for pid, c in children_cpu().items())
            figures[name].append((seconds, produced, (machine_busy() - busy) / (time.perf_counter() - wall), cpu))
    report(args, figures, len(chosen), segments, tokens, occurrences, limit)
    saving(texts, spm)


def report(args, figures: dict, documents: int, segments: list[str], tokens: dict, occurrences: int,
           limit: int) -> None:
    print(f"machine: {machine(('ctranslate2', 'pyspark', 'sentencepiece'))}")
    print(f"{documents} parity documents: {occurrences:,} segments, {len(segments):,} distinct, "
          f"{sum(tokens.values()):,} source tokens; decoding to {limit} tokens, beam {args.beam_size}, "
          f"{args.threads} threads")
    print("| path | seconds per round: median (min .. max) | segments/s | target tokens/s | CPU seconds per round: "
          "median (min .. max) | busy cores (all processes) |\n|---|---:|---:|---:|---:|---:|")
    medians, cpus = {}, {}
    for name, runs in figures.items():
        seconds, cpu = [run[0] for run in runs], [run[3] for run in runs]
        medians[name], cpus[name] = statistics.median(seconds), statistics.median(cpu)
        produced = runs[0][1]
        print(f"| {name} | {medians[name]:.1f} ({min(seconds):.1f} .. {max(seconds):.1f}) | "
              f"{len(segments) / medians[name]:.1f} | {produced / medians[name]:.0f} | "
              f"{cpus[name]:.1f} ({min(cpu):.1f} .. {max(cpu):.1f}) | {statistics.median(r[2] for r in runs):.2f} |")
    overhead = medians["job"] / medians["ct2"] - 1
    verdict = "within" if overhead <= 0.10 else "MISSES"
    rounds = [job[0] / alone[0] - 1 for job, alone in zip(figures["job"], figures["ct2"], strict=True)]
    print(f"job over CTranslate2 alone, wall time: {overhead:+.1%} (medians); per round "
          f"{statistics.median(rounds):+.1%} ({min(rounds):+.1%} .. {max(rounds):+.1%}) — {verdict} the goal of at "
          f"most +10%; CPU time: {cpus['job'] / cpus['ct2'] - 1:+.1%} (medians)")


def saving(texts: list[str], spm) -> None:
    segments, tokens, occurrences = distinct_segments(texts, spm, 256)
    counter = lambda text: len(spm.encode(text))  # noqa: E731
    every_tokens = sum(counter(piece) for text in texts for piece in segment(text, "en", 256, counter).segments)
    print(f"repeat cache on all {len(texts)} parity documents (one unit): {occurrences:,} segments, "
          f"{len(segments):,} distinct: {1 - len(segments) / occurrences:.1%} of the segments and "
          f"{1 - sum(tokens.values()) / every_tokens:.1%} of the source tokens spared")


if __name__ == "__main__":
    main()
