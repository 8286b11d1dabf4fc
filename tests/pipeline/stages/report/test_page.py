"""`curate report` of a real subset, rendered by headless Chromium: the charts are there and say what happened."""

import json
import math
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from filters.evaluate import evaluate
from filters.kinds import compile_rule
from pipeline.stages.report.page import EXAMPLE_CHARS, EXAMPLES, SIGNALS, run_report
from tests.helpers.chromium import dump_dom, png_pixels, screenshot
from tests.helpers.subsets import SUBSET_RULES, planted_clusters, subset_recipe

PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "br", "code", "span", "table",
             "tbody", "tr", "th", "td", "figure", "figcaption", "svg", "text", "rect", "line", "div", "pre"}


class Page(HTMLParser):
    """What a reader sees in the DOM: the bars of each chart, the removed examples, every tag used."""

    def __init__(self, dom: str):
        super().__init__()
        self.charts: dict[str, list[tuple[str, str, int]]] = {}  # chart -> (series, label, count)
        self.examples: list[tuple[str, str, str]] = []  # (rule, id, text shown)
        self.tags, self.links = set(), []
        self.chart = self.example = None
        self.in_pre = self.in_code = False
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        self.links += [value for name, value in attrs.items() if name in ("src", "href")]
        if tag == "svg":
            self.chart = self.charts.setdefault(attrs["aria-label"], [])
        elif tag == "rect" and attrs.get("class") == "bar":
            self.chart.append((attrs["data-series"], attrs["data-label"], int(attrs["data-count"])))
        elif tag == "div" and attrs.get("class") == "example":
            self.example = [attrs["data-rule"], "", ""]
            self.examples.append(self.example)
        self.in_pre, self.in_code = tag == "pre" or self.in_pre, tag == "code" or self.in_code

    def handle_endtag(self, tag):
        self.in_pre = self.in_pre and tag != "pre"
        self.in_code = self.in_code and tag != "code"

    def handle_data(self, data):
        if self.example is not None and self.in_code and not self.example[1]:
            self.example[1] = data
        elif self.example is not None and self.in_pre:
            self.example[2] += data


@pytest.fixture(scope="module")
def report(spark, parity_subset) -> Path:
    return Path(run_report(spark, str(parity_subset)))


def first_failed(row: dict, columns: set) -> str | None:
    """The rule that removes a row, by the pure evaluator (an implementation apart from Spark's)."""
    if row["is_duplicate"]:
        return "dedup"
    return next((name for name, rule in SUBSET_RULES.items() if evaluate(compile_rule(rule, columns), row) is not True),
                None)


def size_range(size: int) -> str:
    """The report's cluster-size bars: 2, 3, 4, then 5-8, 9-16, ... (docs/recipes.md)."""
    upper = 1 << (size - 1).bit_length()
    return str(size) if size <= 4 else f"{upper // 2 + 1}-{upper}"


def test_the_page_stands_alone_with_the_charts_of_what_happened(report, parity_subset, deduplicated, tmp_path):
    dom = dump_dom(report, tmp_path / "profile")
    page = Page(dom)
    assert page.tags <= PAGE_TAGS and page.links == []  # no script, nothing fetched
    stats = json.loads((parity_subset / "_stats.json").read_text())
    source = pq.read_table(deduplicated).to_pylist()
    reasons = {row["id"]: first_failed(row, set(source[0])) for row in source}
    kept = {row["id"] for row in pq.read_table(parity_subset / "data").to_pylist()}
    assert kept == {i for i, reason in reasons.items() if reason is None}

    waterfall = [(series, label, count) for series, label, count in page.charts["Removal waterfall"]]
    assert waterfall == [("read", "read", len(source)),
                         *[("removed", rule, Counter(reasons.values())[rule]) for rule in stats["rules"]],
                         ("kept", "kept", len(kept))]

    drawn = [(name, title) for name, title, _ in SIGNALS if name in source[0]]
    assert [name for name, _ in drawn] == ["rps_doc_word_count", "rps_doc_mean_word_length",
                                           "rps_doc_stop_word_fraction", "rps_doc_frac_chars_top_2gram",
                                           "rps_doc_frac_chars_dupe_10grams", "ccnet_perplexity"]
    empty = {name for name, _ in drawn if all(row[name] is None for row in source)}
    assert empty == {"ccnet_perplexity"}  # the test artifacts have word lists, no language model
    for name, title in drawn:
        if name in empty:  # a note instead of an empty chart
            assert title not in page.charts
            assert f"<code>{name}</code> is null in all {len(source):,} documents" in dom
            continue
        bars = page.charts[title]
        for series, wanted in (("kept", True), ("removed", False)):
            expected = sum(1 for row in source if (row["id"] in kept) == wanted and row[name] is not None)
            assert sum(count for s, _, count in bars if s == series) == expected, (title, series)

    languages = {label: {s: count for s, lab, count in page.charts["Documents by language"] if lab == label}
                 for _, label, _ in page.charts["Documents by language"]}
    for language, counts in languages.items():
        assert counts["kept"] == sum(1 for row in source if row["id"] in kept and row["language"] == language)
        assert counts["removed"] == sum(1 for row in source if row["id"] not in kept and row["language"] == language)

    originals = len(source) - sum(row["is_duplicate"] for row in source)
    sizes = Counter(size_range(copies + 1) for copies in planted_clusters(originals).values())
    assert {label: count for _, label, count in page.charts["Clusters by size (documents per cluster)"]} == sizes

    texts = {row["id"]: row["text"] for row in source}
    shown = Counter(rule for rule, _, _ in page.examples)
    assert shown == {rule: min(EXAMPLES, count) for rule, count in stats["dropped"].items() if count}
    for rule, doc_id, text in page.examples:
        assert reasons[doc_id] == rule
        assert text.startswith(texts[doc_id][:EXAMPLE_CHARS])  # HTML-escaped, so shown as written
    assert any("<" in text or "&" in text for _, _, text in page.examples)


def test_the_screenshot_shows_the_bars(report, tmp_path):
    width, height, rows = png_pixels(screenshot(report, tmp_path / "profile", tmp_path / "report.png", (900, 900)))
    assert (width, height) == (900, 900)
    step = len(rows[0]) // width
    pixels = Counter(row[x:x + 3] for row in rows[::2] for x in range(0, len(row), step * 2))
    assert len(pixels) > 20  # not blank
    for color in ("#2e7d32", "#d9822b", "#4a6fa5"):  # kept, removed, read
        assert pixels[bytes.fromhex(color[1:])] > 100, color


def test_inputs_changed_since_the_subset_ran_are_reported(spark, deduplicated, tmp_path, capsys):
    from pipeline.stages.subset.plan import plan_subset
    from pipeline.stages.subset.run import run_subset
    from recipes.loader import parse_recipe

    inputs, out = tmp_path / "inputs", tmp_path / "subset"
    inputs.mkdir()
    table = pq.read_table(deduplicated)
    pq.write_table(table, inputs / "part-00000.parquet")
    run_subset(spark, plan_subset(parse_recipe(subset_recipe(inputs, out), "changed.yaml")))
    pq.write_table(table.slice(0, table.num_rows - 50), inputs / "part-00000.parquet")
    page = Path(run_report(spark, str(out))).read_text()
    assert "they changed since `curate subset` ran" in page
    assert "; 1 input file</p>" in page
    assert "they changed since `curate subset` ran" in capsys.readouterr().err


def test_report_refuses_a_folder_that_is_not_a_subset(parity_signals, capsys):
    from pipeline.cli.main import main

    assert main(["report", str(parity_signals)]) == 2
    assert "holds the output of `curate signals`, not of `curate subset`" in capsys.readouterr().err


def test_report_on_a_folder_that_does_not_exist_says_so(tmp_path, capsys):
    from pipeline.cli.main import main

    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"curate report: error: no such folder: {tmp_path / 'nope'}\n"
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "is not a `curate subset` output (no _job.json)" in capsys.readouterr().err


def test_report_on_an_unfinished_subset_says_what_is_missing(tmp_path, capsys):
    from pipeline.cli.main import main
    from pipeline.storage.output_dir import OutputDir

    OutputDir(str(tmp_path / "killed")).claim({"stage": "subset", "inputs": []})
    assert main(["report", str(tmp_path / "killed")]) == 2
    assert "is not a complete `curate subset` output (no _SUCCESS: the job has not finished; rerun it)" \
        in capsys.readouterr().err


def round_value(text: str) -> bool:
    """1, 2 or 5 times a power of ten (`20`, `0.5`, `1,000`)."""
    return re.fullmatch(r"0\.0*[125]|[125]0*", text.replace(",", "")) is not None


def test_ticks_on_the_log_scale_fall_on_1_2_5_and_steps_on_round_values(report):
    page = report.read_text()
    chart = re.search(r'<svg[^>]*aria-label="Words per document".*?</svg>', page).group(0)
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', chart)
    assert len(ticks) >= 2 and all(round_value(tick) for tick in ticks), ticks


@pytest.mark.parametrize(("low", "high", "log", "said"), [
    (math.log10(8), math.log10(46), True, ["10", "20"]),  # the report's 8, 16.3, 33.1 before
    (math.log10(8), math.log10(50_000), True, ["10", "100", "1,000", "10,000"]),
    (math.log10(120), math.log10(190), True, ["120", "140", "160", "180"]),  # no 1-2-5 value inside
    (0.0123, 0.4567, False, ["0.1", "0.2", "0.3", "0.4"]),
    (0, 1, False, ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
])
def test_axis_ticks_are_round_values_at_their_place(low, high, log, said):
    from pipeline.stages.report.charts import axis_ticks

    ticks = axis_ticks(low, high, log)
    assert [text for _, text in ticks] == said
    for place, text in ticks:
        value = float(text.replace(",", ""))
        assert place == pytest.approx(((math.log10(value) if log else value) - low) / (high - low))


def test_a_long_rule_name_is_shortened_in_its_row_and_whole_in_the_bar_tooltip():
    from pipeline.stages.report.charts import Segment, row_chart

    name = "documents_whose_repetition_is_far_too_high"
    svg = row_chart("removed", [(name, [Segment("removed", 0, 5)])], total=10)
    assert ">documents_whose_repetit…</text>" in svg and f"<title>{name}: 5 removed</title>" in svg
