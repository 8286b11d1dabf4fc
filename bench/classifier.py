"""Classifier training benchmark: fastText's own trainer with one thread and with two, on the same corpus.

Run: python -m bench.classifier [--train 4000] [--held-out 600] [--rounds 3]   (make bench-classifier)

Corpus: the paragraphs (blocks of 20 words or more, shuffled) of the English Wikipedia sample and of the web
sample in ../shared/data (tests/helpers/corpora.py), as `curate artifacts build` turns documents into training lines
(`classifier_text`): `--train` of each class are trained on, the next `--held-out` of each are scored and never
trained on. Each trainer turns the (label, text) pairs into a saved `.bin` as the build does, `--rounds` times
with the order rotated from round to round (the machine is shared). Wall and CPU seconds are per run; CPU
includes fastText's threads.

Each model is scored as the signal scores it (`rps_doc_ml_palm_score` through `compute_signals`): held-out
accuracy (score above 0.5 for Wikipedia, below for the web), ROC AUC, and between two models the share of
held-out documents put on the same side of 0.5 and the mean |score difference|. A second seed of each trainer
shows how far two models of the same trainer already differ."""

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.ingest import machine, machine_busy
from signals.artifacts import CLASSIFIER, Artifacts
from signals.classifiers import CC_LABEL, classifier_text
from signals.registry import CLASSIFIERS, compute_signals
from signals.training.fasttext_supervised import train_classifier
from tests.helpers.corpora import ENWIKI, WEB, paragraphs, web_documents, wiki_articles

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TARGET = "__label__palm"


def corpus(train: int, held_out: int) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Training pairs, and held-out Wikipedia and web texts."""
    if not (DATA / ENWIKI).exists():
        sys.exit(f"{DATA / ENWIKI} is absent: the benchmark reads the Wikipedia and web samples from ../shared")
    wiki = [classifier_text(t) for t in paragraphs(wiki_articles(DATA / ENWIKI))]
    web = [classifier_text(t) for t in paragraphs(web_documents(DATA / WEB))]
    if min(len(wiki), len(web)) < train + held_out:
        sys.exit(f"--train + --held-out is {train + held_out}; the samples hold {len(wiki)} and {len(web)} paragraphs")
    examples = [(TARGET, text) for text in wiki[:train]] + [(CC_LABEL, text) for text in web[:train]]
    return examples, wiki[train:train + held_out], web[train:train + held_out]


def trainers() -> dict[str, Callable[[list[tuple[str, str]], int], Callable]]:
    """name -> train(examples, seed), returning the model's save(out)."""
    return {
        "fastText, thread=1": lambda examples, seed: train_classifier(examples, seed, threads=1).save,
        "fastText, thread=2": lambda examples, seed: train_classifier(examples, seed, threads=2).save,
    }


def build(train: Callable, examples: list[tuple[str, str]], seed: int, folder: Path) -> dict:
    """One timed training and save, as `curate artifacts build` does it; the model's folder and digest."""
    path = folder / CLASSIFIER.format(language="en", name="palm")
    path.parent.mkdir(parents=True)
    wall, cpu, busy = time.perf_counter(), time.process_time(), machine_busy()
    with open(path, "wb") as out:
        train(examples, seed)(out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"folder": folder, "wall": wall, "cpu": cpu, "other": max(0.0, (machine_busy() - busy - cpu) / wall),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def scores(folder: Path, texts: list[str]) -> np.ndarray:
    artifacts = Artifacts(str(folder))
    return np.array([compute_signals(text, "en", artifacts, CLASSIFIERS)["rps_doc_ml_palm_score"][0][2]
                     for text in texts])


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """The chance that a random Wikipedia paragraph scores above a random web one (ties count half)."""
    return float(((positive[:, None] > negative[None, :]) + 0.5 * (positive[:, None] == negative[None, :])).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=4000, help="training paragraphs per class")
    parser.add_argument("--held-out", type=int, default=600, help="held-out paragraphs per class")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    examples, wiki, web = corpus(args.train, args.held_out)
    tokens = sum(len(text.split()) + 2 for _, text in examples)  # label, words, end of line
    print(f"{machine(('numpy', 'fasttext-community'))}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"corpus: {len(examples):,} training lines ({tokens:,} tokens), {len(wiki)} + {len(web)} held out")
    named = trainers()
    runs: dict[str, list[dict]] = {name: [] for name in named}
    with tempfile.TemporaryDirectory(prefix="curate-bench-classifier-") as scratch:
        for round_no in range(args.rounds):
            order = list(named)[round_no % len(named):] + list(named)[:round_no % len(named)]
            print(f"round {round_no + 1} of {args.rounds}: {', '.join(order)}", file=sys.stderr)
            for name in order:
                folder = Path(scratch) / f"{len(os.listdir(scratch))}"
                runs[name].append(build(named[name], examples, 0, folder))
        second_seed = {name: build(train, examples, 1, Path(scratch) / f"seed1-{n}")
                       for n, (name, train) in enumerate(named.items())}
        scored = {name: [(scores(run["folder"], wiki), scores(run["folder"], web)) for run in runs[name]]
                  for name in named}
        scored_seed1 = {name: (scores(run["folder"], wiki), scores(run["folder"], web))
                        for name, run in second_seed.items()}
    print(f"\n| trainer | wall s, median (min .. max) | CPU s, median | other load (cores) | identical .bin over "
          f"{args.rounds} runs | held-out accuracy | ROC AUC | mean score, Wikipedia / web |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for name in named:
        walls, cpus = [run["wall"] for run in runs[name]], [run["cpu"] for run in runs[name]]
        accuracy = [((w > 0.5).sum() + (b <= 0.5).sum()) / (len(w) + len(b)) for w, b in scored[name]]
        aucs = [auc(w, b) for w, b in scored[name]]
        print(f"| {name} | {statistics.median(walls):.2f} ({min(walls):.2f} .. {max(walls):.2f}) | "
              f"{statistics.median(cpus):.2f} | {max(run['other'] for run in runs[name]):.2f} | "
              f"{'yes' if len({run['sha256'] for run in runs[name]}) == 1 else 'no'} | "
              f"{_range(accuracy, '.3f')} | {_range(aucs, '.4f')} | "
              f"{scored[name][0][0].mean():.3f} / {scored[name][0][1].mean():.3f} |")
    print("\nBetween two models on the held-out paragraphs (first round's models; seed 0 unless named):\n")
    print("| models | same side of 0.5 | mean abs. score difference | largest |")
    print("|---|---:|---:|---:|")
    pairs = [(f"{name}, seed 0 and seed 1", scored[name][0], scored_seed1[name]) for name in named]
    first = list(named)
    pairs += [(f"{a} and {b}", scored[a][0], scored[b][0]) for i, a in enumerate(first) for b in first[i + 1:]]
    for label, (wiki_a, web_a), (wiki_b, web_b) in pairs:
        a, b = np.concatenate([wiki_a, web_a]), np.concatenate([wiki_b, web_b])
        difference = np.abs(a - b)
        print(f"| {label} | {((a > 0.5) == (b > 0.5)).mean():.3f} | {difference.mean():.4f} | "
              f"{difference.max():.4f} |")


def _range(values: list[float], spec: str) -> str:
    low, high = min(values), max(values)
    return f"{low:{spec}}" if f"{low:{spec}}" == f"{high:{spec}}" else f"{low:{spec}} .. {high:{spec}}"


if __name__ == "__main__":
    main()
