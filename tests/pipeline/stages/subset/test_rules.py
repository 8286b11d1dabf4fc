"""Rules as Spark Columns: the same values as the pure evaluator, in time linear in the text, however long the rule."""

import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from filters.evaluate import evaluate
from filters.kinds import compile_rule
from filters.parser import MAX_DEPTH
from pipeline.cli.main import main
from pipeline.stages.subset.rules import to_column

PIECES = ["a", "b", "ab", "%", "_", "\\%", "\\_", "\\\\", ".", "*", "$", "[", "(", "?", "|", "^", "'", "\n", " ",
          "😀", "é", "\t"]
TEXT_CHARS = "ab%_\\.*$[(?|^'\n 😀é\t"


def sample(seed: int = 15) -> tuple[list[str], list[str | None]]:
    """LIKE patterns and texts in which they are found, each with characters regular expressions treat apart."""
    chance = random.Random(seed)
    patterns = sorted({"".join(chance.choices(PIECES, k=chance.randint(0, 7))) for _ in range(150)})
    texts = ["".join(chance.choices(TEXT_CHARS, k=chance.randint(0, 12))) for _ in range(150)]
    for pattern in patterns[::3]:  # texts the pattern matches, so that the sample holds as many matches as misses
        texts.append(pattern.replace("\\%", "%").replace("\\_", "_").replace("\\\\", "\\").replace("%", "😀a\n"))
    return patterns, [*texts, "", None]


def test_like_in_spark_equals_the_pure_evaluator(spark):
    patterns, texts = sample()
    nodes = [compile_rule("t LIKE '{}'".format(pattern.replace("'", "''")), {"t"}) for pattern in patterns]
    frame = spark.createDataFrame([(text,) for text in texts], "t string")
    rows = frame.select(*[to_column(node).alias(f"p{i}") for i, node in enumerate(nodes)]).collect()  # one job
    spark_values = [[row[f"p{i}"] for i in range(len(nodes))] for row in rows]
    expected = [[evaluate(node, {"t": text}) for node in nodes] for text in texts]
    assert spark_values == expected
    matches = sum(value is True for row in expected for value in row)
    assert len(nodes) < matches < len(texts) * len(nodes) / 2  # matches and misses both


def write_pages(folder, texts: list[str]) -> None:
    folder.mkdir()
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(len(texts))], "text": texts,
                             "language": ["en"] * len(texts)}), folder / "part-00000.parquet")


def subset(tmp_path, filters: dict[str, str]):
    """`curate subset` of the pages in tmp_path/pages by these rules: its exit status and the recipe's path."""
    rules = "".join(f"  {name}: \"{rule}\"\n" for name, rule in filters.items())
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"name: rules\ninputs:\n  - path: {tmp_path / 'pages'}\nfilters:\n{rules}"
                      f"output:\n  path: {tmp_path / 'out'}\ncard:\n  license: odc-by\n")
    return main(["subset", str(recipe)]), recipe


def kept_ids(tmp_path) -> list[str]:
    shards = sorted((tmp_path / "out" / "data" / "default").glob("*.parquet"))
    return sorted(row["id"] for shard in shards for row in pq.read_table(shard, columns=["id"]).to_pylist())


def test_a_hostile_page_is_decided_by_like_through_the_command(spark, tmp_path):
    """A 120,000-character page on which Spark's own LIKE backtracked for seconds (issue 15)."""
    page = "lorem " * 20_000
    write_pages(tmp_path / "pages", [page, page + "ipsum dolor", "lorem ipsum dolor", "ipsum dolor lorem"])
    status, _ = subset(tmp_path, {"latin": "text LIKE '%lorem%ipsum%dolor%'"})
    assert status == 0
    assert kept_ids(tmp_path) == ["p1", "p2"]
    assert json.loads((tmp_path / "out" / "_stats.json").read_text())["dropped"] == {"latin": 2}


def test_a_300_term_or_runs_in_spark_through_the_command(spark, tmp_path):
    """A left-deep tree of 300 ORs overflowed Spark's stack (java.lang.StackOverflowError)."""
    write_pages(tmp_path / "pages", [f"page {n}" for n in range(400)])
    rule = " OR ".join(f"id = 'p{n}'" for n in range(0, 600, 2))
    status, _ = subset(tmp_path, {"even": rule})
    assert status == 0
    assert kept_ids(tmp_path) == sorted(f"p{n}" for n in range(0, 400, 2))


def test_nesting_at_the_limit_runs_in_spark_and_deeper_is_refused_at_the_recipe_line(spark, tmp_path, capsys):
    write_pages(tmp_path / "pages", ["a", "bb", "ccc"])
    deepest = "NOT " * (MAX_DEPTH - 3) + "length(text) > 1"  # NOT, >, length() and text: MAX_DEPTH levels
    frame = spark.createDataFrame([("a",), ("bb",), (None,)], "text string")
    node = compile_rule(deepest, {"text": "string"})
    assert [row[0] for row in frame.select(to_column(node)).collect()] == [
        evaluate(node, {"text": text}) for text in ("a", "bb", None)]
    status, recipe = subset(tmp_path, {"short": "length(text) < 3", "deep": "NOT " * 2_000 + "length(text) > 1"})
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert error.endswith(f"{recipe}:6: filters.deep: the rule nests more than {MAX_DEPTH} levels deep at position "
                          f"{4 * MAX_DEPTH + 1} (parentheses, NOT, minus signs, function calls, operators); split it "
                          "into several rules, which must all be true")
    assert len(error.splitlines()) == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("rule", "status", "said"), [
    ("(" * 2_000 + "length(text) > 1" + ")" * 2_000, 2, f"nests more than {MAX_DEPTH} levels deep at position 51"),
    (" OR ".join(["length(text) > 1"] * 1_200), 0, ""),
])
def test_long_or_deep_rules_give_no_traceback(spark, tmp_path, capsys, rule, status, said):
    """2,000 parentheses and 1,200 ORs ended in Python's RecursionError."""
    write_pages(tmp_path / "pages", ["a", "bb"])
    assert subset(tmp_path, {"rule": rule})[0] == status
    error = capsys.readouterr().err
    assert said in error and "Traceback" not in error
    if status == 0:
        assert kept_ids(tmp_path) == ["p1"]
