"""Signals benchmark: documents/s on one core for the 28 model-free signals + MinHash, and the cost of each family.

Run: python -m bench.signals [--repeat N]   (make bench-signals)

Documents: the texts of ../shared/parity/public.jsonl and heldout.jsonl (real web documents with a language).
Timed in-process with CPU time, so other load on the machine does not count; then the same documents through
`run_signals` on Spark local[1] (wall time, session start-up and a warm-up job excluded)."""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dedup.minhash import minhash_signatures
from signals.artifacts import Artifacts
from signals.document import Document
from signals.registry import MODEL_FREE

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FAMILIES = {
    "content": ("rps_doc_curly_bracket", "rps_doc_ldnoobw_words", "rps_doc_lorem_ipsum", "rps_doc_stop_word_fraction"),
    "natural language": tuple(n for n in MODEL_FREE if n.startswith("rps_doc_") and "frac_chars" not in n
                              and n not in ("rps_doc_curly_bracket", "rps_doc_ldnoobw_words", "rps_doc_lorem_ipsum",
                                            "rps_doc_stop_word_fraction")),
    "repetition": tuple(n for n in MODEL_FREE if "frac_chars" in n),
    "lines": tuple(n for n in MODEL_FREE if n.startswith("rps_lines_")),
}


def load_documents() -> list[dict]:
    rows = []
    for name in ("public.jsonl", "heldout.jsonl"):
        path = SHARED / "parity" / name
        if not path.exists():
            sys.exit(f"{path} is absent: the benchmark reads the parity documents from ../shared")
        rows += [json.loads(line) for line in path.open()]
    return rows


def time_families(documents: list[dict], artifacts: Artifacts, repeat: int) -> dict[str, float]:
    """CPU seconds per family (text preparation counted apart), over `repeat` passes."""
    costs = dict.fromkeys(["preparation", *FAMILIES, "minhash"], 0.0)
    for _ in range(repeat):
        for row in documents:
            started = time.process_time()
            doc = Document(row["text"], row.get("language"))
            doc.normalized, doc.words, doc.raw_words, doc.raw_lines, doc.normalized_lines  # noqa: B018
            costs["preparation"] += time.process_time() - started
            for family, names in FAMILIES.items():
                started = time.process_time()
                for name in names:
                    MODEL_FREE[name](doc, artifacts)
                costs[family] += time.process_time() - started
            started = time.process_time()
            minhash_signatures(doc.normalized)
            costs["minhash"] += time.process_time() - started
    return costs


def time_spark(documents: list[dict], artifacts_dir: str, repeat: int) -> float:
    from pipeline.session import get_session
    from pipeline.signals_stage import run_signals

    spark = get_session("local[1]", "bench-signals")
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "docs.jsonl")
        with open(source, "w") as handle:
            for _ in range(repeat):
                for row in documents:
                    handle.write(json.dumps(row) + "\n")
        warm = os.path.join(tmp, "warm.jsonl")
        with open(warm, "w") as handle:
            handle.write(json.dumps(documents[0]) + "\n")
        run_signals(spark, [warm], os.path.join(tmp, "warm-out"), artifacts_dir, progress=False)
        started = time.monotonic()
        run_signals(spark, [source], os.path.join(tmp, "out"), artifacts_dir, progress=False)
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    documents = load_documents()
    artifacts_dir = str(SHARED / "data" / "artifacts")
    count = len(documents) * args.repeat
    chars = statistics.mean(len(row["text"]) for row in documents)
    costs = time_families(documents, Artifacts(artifacts_dir), args.repeat)
    total = sum(costs.values())
    print(f"{len(documents)} documents x {args.repeat} ({chars:,.0f} characters on average)")
    print(f"in-process, one core (CPU time): {count / total:,.0f} documents/s")
    for family, seconds in costs.items():
        print(f"  {family:<18} {1000 * seconds / count:6.3f} ms/doc  {100 * seconds / total:5.1f}%")
    wall = time_spark(documents, artifacts_dir, args.repeat)
    print(f"curate signals on Spark local[1] (wall, start-up excluded): {count / wall:,.0f} documents/s")


if __name__ == "__main__":
    main()
