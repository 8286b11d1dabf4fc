"""FineWeb-Edu-shaped Parquet for the translate stage's tests: its columns and types (huggingface.co/datasets/
HuggingFaceFW/fineweb-edu, the dataset card's "Data Fields"), dumps and scores to select on, and English texts
with the structure a translation must keep: paragraphs, bullet and numbered lists, a table, indented code, a URL.
Every value comes from a seeded random generator, so a fixture is the same on every run."""

import random
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

FINEWEB_EDU_SCHEMA = pa.schema([
    ("text", pa.string()), ("id", pa.string()), ("dump", pa.string()), ("url", pa.string()),
    ("date", pa.string()), ("file_path", pa.string()), ("language", pa.string()),
    ("language_score", pa.float64()), ("token_count", pa.int64()), ("score", pa.float64()),
    ("int_score", pa.int64()),
])
DUMPS = ("CC-MAIN-2024-10", "CC-MAIN-2024-18", "CC-MAIN-2023-50")

_SUBJECTS = ("The water cycle", "Photosynthesis", "A prime number", "The French Revolution", "Plate tectonics",
             "The human heart", "A fraction", "The solar system", "Democracy", "An ecosystem")
_VERBS = ("explains", "describes", "changes", "moves", "depends on", "shows", "supports", "shapes")
_OBJECTS = ("how energy reaches the surface", "the way cells use light", "the history of many nations",
            "what students learn in school", "the balance of a living system", "how numbers divide",
            "the movement of the continents", "the flow of blood through the body")
_ENDINGS = (".", ".", ".", "!", "?")
# a line shared by many pages, as site boilerplate is: the repeat cache translates it once
BOILERPLATE = "Share this lesson with your class."


def sentence(rng: random.Random) -> str:
    ending = rng.choice(_ENDINGS)
    clause = f", and {rng.choice(_OBJECTS)}" if rng.random() < 0.3 else ""
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{clause}{ending}"


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def structured_text(rng: random.Random) -> str:
    """A page of paragraphs, and some of: a bullet list, a numbered list, a table, indented code, a URL."""
    blocks = [sentence(rng).rstrip(".!?"), paragraph(rng, rng.randint(1, 4))]
    if rng.random() < 0.6:
        blocks.append("\n".join(f"{rng.choice('-*')} {sentence(rng)}" for _ in range(rng.randint(2, 4))))
    if rng.random() < 0.5:
        blocks.append("\n".join(f"{n}. {sentence(rng)}" for n in range(1, rng.randint(3, 5))))
    if rng.random() < 0.4:
        rows = [f"| {rng.choice(_SUBJECTS)} | {rng.randint(1, 99)} |" for _ in range(rng.randint(2, 3))]
        blocks.append("\n".join(["| Topic | Pages |", "|---|---|", *rows]))
    if rng.random() < 0.3:
        blocks.append("    for step in range(10):\n        print(step * 2)")
    if rng.random() < 0.3:
        blocks.append(f"Read more at https://example.org/lesson/{rng.randint(1, 999)} today.")
    blocks.append(paragraph(rng, rng.randint(1, 3)))
    if rng.random() < 0.5:
        blocks.append(BOILERPLATE)
    return "\n\n".join(blocks) + ("\n" if rng.random() < 0.5 else "")


def fineweb_edu_rows(count: int, seed: int = 0, texts: list[str] | None = None) -> list[dict]:
    """`count` rows; their texts generated, or taken in turn from `texts`."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        text = texts[n % len(texts)] if texts else structured_text(rng)
        score = round(rng.uniform(0.5, 5.0), 4)
        dump = rng.choice(DUMPS)
        rows.append({
            "text": text, "id": f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}>", "dump": dump,
            "url": f"https://school{n}.example.org/page/{rng.randint(1, 9999)}",
            "date": f"{dump[8:12]}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:00:00Z",
            "file_path": f"s3://commoncrawl/crawl-data/{dump}/segments/{n}/warc/CC-MAIN-{n:05d}.warc.gz",
            "language": "en", "language_score": round(rng.uniform(0.65, 1.0), 4),
            "token_count": len(text.split()) + text.count(".") + text.count(","), "score": score,
            "int_score": int(round(score)),
        })
    return rows


def write_fineweb_edu(directory: Path, files: int = 2, rows: int = 20, seed: int = 0,
                      texts: list[str] | None = None) -> list[str]:
    """`files` Parquet files of `rows` rows each, named as FineWeb-Edu's (000_00000.parquet); their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(files):
        path = directory / f"{f:03d}_00000.parquet"
        table = pa.Table.from_pylist(fineweb_edu_rows(rows, seed * 1000 + f, texts), FINEWEB_EDU_SCHEMA)
        pq.write_table(table, path)
        paths.append(str(path))
    return paths
