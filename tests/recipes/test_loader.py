"""Recipe files: a valid one loads; a broken one is refused naming the file, the line and the key."""

import json
import time
import tracemalloc
from itertools import pairwise

import pytest

from pipeline.cli.main import main
from recipes.loader import RecipeError, load_recipe, parse_recipe
from recipes.yaml_text import MAX_YAML_BYTES, MAX_YAML_DEPTH

RECIPE = """\
name: gopher-en
inputs:
  - path: data/signals
filters:
  word_count: "rps_doc_word_count BETWEEN 50 AND 100000"
output:
  path: out/gopher-en
  shard_size: 250MB
"""


def refusal(text: str) -> str:
    with pytest.raises(RecipeError) as caught:
        parse_recipe(text, "my.yaml")
    return str(caught.value)


def test_a_recipe_loads_with_its_defaults(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(RECIPE)
    recipe = load_recipe(str(path)).recipe
    assert recipe.filters == {"word_count": "rps_doc_word_count BETWEEN 50 AND 100000"}
    assert recipe.output.shard_size == 250_000_000
    assert recipe.output.compression == "zstd" and recipe.output.config == "default"


def test_misspelt_key_names_line_and_suggests():
    message = refusal(RECIPE.replace("shard_size", "shard_sise"))
    assert message.startswith("my.yaml:8: output.shard_sise: unknown key (did you mean 'shard_size'?)")


def test_missing_and_invalid_values_name_their_key():
    assert refusal(RECIPE.replace("  path: out/gopher-en\n", "")).startswith("my.yaml:6: output.path: missing")
    assert refusal(RECIPE.replace("250MB", "lots")).startswith("my.yaml:8: output.shard_size:")
    assert refusal(RECIPE.replace("name: gopher-en", "name: 'a b'")).startswith("my.yaml:1: name:")
    assert refusal("name: [x\n").startswith("my.yaml:1: not valid YAML: while parsing a flow sequence")
    assert refusal("- just a list\n").startswith("my.yaml:1: a recipe is a YAML mapping")


def test_unreadable_file_is_named(tmp_path):
    with pytest.raises(RecipeError, match="nope.yaml: cannot read the recipe"):
        load_recipe(str(tmp_path / "nope.yaml"))


def test_a_key_given_twice_is_refused():
    twice = RECIPE.replace('filters:\n', 'filters:\n  word_count: "rps_doc_word_count > 10"\n')
    assert refusal(twice).startswith("my.yaml:6: filters.word_count: given twice (first on line 5)")


@pytest.mark.parametrize("name", ["dedup", "line_filters", "sample"])
def test_a_filter_named_like_a_built_in_step_is_refused(name):
    message = refusal(RECIPE.replace("word_count:", f"{name}:"))
    assert message.startswith(f"my.yaml:5: filters.{name}: '{name}' is the name the books give the built-in step")


def test_a_rule_name_with_a_control_character_is_refused_in_one_line():
    assert refusal(RECIPE.replace("word_count:", '"word\\0count":')).startswith(
        "my.yaml:5: filters.'word\\x00count': a rule's name is printed in the books, the card and the report")
    assert refusal(RECIPE.replace("word_count:", '"word\\ncount":')).startswith(
        "my.yaml:5: filters.'word\\ncount': a rule's name is printed")


def test_a_rule_name_in_any_script_or_with_a_no_break_space_loads():
    names = list(parse_recipe(RECIPE.replace("word_count:", '"longueur\u00a0minimale":'), "my.yaml").recipe.filters)
    assert names == ["longueur\u00a0minimale"]


def test_a_line_filter_may_share_a_name_the_books_do_not_count_apart():
    lines = RECIPE + 'line_filters:\n  word_count: "rps_lines_num_words >= 3"\n  sample: "rps_lines_num_words < 99"\n'
    assert list(parse_recipe(lines, "my.yaml").recipe.line_filters) == ["word_count", "sample"]


def test_an_empty_rule_name_is_refused():
    assert refusal(RECIPE.replace("word_count:", '"":')).startswith(
        "my.yaml:5: filters.: a rule needs a name: the books count the documents it removes under it")
    empty_line_rule = RECIPE + "line_filters:\n  ' ': \"rps_lines_num_words >= 3\"\n"
    assert refusal(empty_line_rule).startswith("my.yaml:10: line_filters. : a rule needs a name")


@pytest.mark.parametrize("size", ["0MB", "-5", "9999", "9.9KB"])
def test_a_shard_size_below_10kb_is_refused(size):
    assert refusal(RECIPE.replace("250MB", size)).startswith(
        f"my.yaml:8: output.shard_size: {size} is below the smallest shard size, 10KB (10,000 bytes)")


def test_the_smallest_shard_size_loads():
    assert parse_recipe(RECIPE.replace("250MB", "10KB"), "my.yaml").recipe.output.shard_size == 10_000


@pytest.mark.parametrize("config", ["..", ".", ".hidden"])
def test_a_config_that_would_leave_the_data_folder_is_refused(config):
    """The shards go to data/{config}/: `..` would put them where datasets and publish do not look."""
    assert refusal(RECIPE + f'  config: "{config}"\n').startswith("my.yaml:9: output.config: String should match")


@pytest.mark.parametrize("key", ["configs", "data_files", "size_categories"])
def test_a_card_key_curate_writes_itself_is_refused(key):
    message = refusal(RECIPE + f"card:\n  license: mit\n  {key}: [x]\n")
    assert message.startswith(f"my.yaml:11: card.{key}: curate subset writes {key} itself:")


@pytest.mark.parametrize(("key", "meant"), [("licence", "license"), ("languages", "language"),
                                            ("License", "license"), ("tag", "tags")])
def test_a_near_miss_of_a_card_key_is_refused_with_the_key(key, meant):
    message = refusal(RECIPE + f"card:\n  {key}: mit\n")
    assert message.startswith(f"my.yaml:10: card.{key}: not a dataset card key (did you mean '{meant}'?)")


def test_other_card_keys_are_kept_as_extra_metadata():
    card = parse_recipe(RECIPE + "card:\n  homepage: https://example.org\n  task_categories: [text-generation]\n",
                        "my.yaml").recipe.card
    assert card.model_extra == {"homepage": "https://example.org", "task_categories": ["text-generation"]}


@pytest.mark.parametrize(("sample", "refused"), [
    ("{max_docs: 5, weights: {en: 1}}", "sample.weights: weights name values of a column: give `by` too"),
    ("{fraction: 0.5, by: language, weights: {en: 1}}",
     "sample.weights: weights share out max_docs between the values of `by`: give max_docs too"),
    ("{max_docs: 5, by: language, weights: {en: 0}}", "sample.weights: at least one weight must be above 0"),
    ("{max_docs: 5, by: language, weights: {}}", "sample.weights: at least one weight must be above 0"),
    ("{seed: 3}", "sample: give fraction, max_docs or both"),
    ("{max_docs: 5, by: language}", "sample.by: by names the column that weights share max_docs out by"),
])
def test_sample_keys_that_do_not_go_together_are_refused(sample, refused):
    assert refusal(RECIPE + f"sample: {sample}\n").startswith(f"my.yaml:9: {refused}")


def test_a_sample_may_cap_a_fraction_and_share_it_by_weight():
    sample = parse_recipe(RECIPE + "sample: {fraction: 0.5, max_docs: 40, by: language, weights: {en: 3, de: 1}}\n",
                          "my.yaml").recipe.sample
    assert (sample.fraction, sample.max_docs, sample.weights) == (0.5, 40, {"en": 3, "de": 1})


def test_an_output_column_given_twice_is_refused_at_its_index():
    message = refusal(RECIPE + "  columns: [id, text, id]\n")
    assert message.startswith("my.yaml:9: output.columns.2: 'id' is given twice (first at index 0)")


def test_a_language_code_read_as_a_boolean_gets_a_hint():
    message = refusal(RECIPE + "sample: {max_docs: 5, by: language, weights: {en: 1, no: 1}}\n")
    assert message.startswith("my.yaml:9: sample.weights.no: the key no is read as the boolean false; YAML reads "
                              "no/yes/on/off/true/false as booleans: quote it, e.g. 'no'")
    message = refusal(RECIPE + "card:\n  language: [en, 'no', on]\n")
    assert message.startswith("my.yaml:10: card.language.2: should be text, not the boolean true; YAML reads "
                              "no/yes/on/off/true/false as booleans: quote it, e.g. 'no'")


def laughs() -> str:
    """The billion laughs under card: nine levels of nine aliases each, 9**9 strings from a few hundred bytes."""
    lines = ['    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    lines += [f"    {name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n" for before, name in pairwise("abcdefghi")]
    return RECIPE + "card:\n  x_laughs:\n" + "".join(lines) + "  tags: *i\n"


def subset_refusal(tmp_path, text: str | bytes, capsys) -> str:
    """The one line `curate subset` prints about a recipe it refuses (exit status 2)."""
    path = tmp_path / "my.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert main(["subset", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.removeprefix(f"curate subset: error: {path}:").rstrip("\n")


def test_the_billion_laughs_is_refused_at_its_first_anchor_at_once(tmp_path, capsys):
    import pipeline.stages.subset.run  # noqa: F401  (the command's own imports are not the refusal's cost)

    assert len(laughs()) < 700
    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = subset_refusal(tmp_path, laughs(), capsys)
        seconds, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == "11: &a: anchors and aliases are not read (a few lines of them can expand to gigabytes); " \
                      "write the value out"
    assert seconds < 0.5 and peak < 5_000_000


@pytest.mark.parametrize(("tags", "refused"), [("&r [*r]", "&r"), ("[*r]", "*r")])
def test_a_list_inside_itself_or_an_alias_alone_is_refused(tmp_path, capsys, tags, refused):
    message = subset_refusal(tmp_path, RECIPE + f"card:\n  tags: {tags}\n", capsys)
    assert message.startswith(f"10: {refused}: anchors and aliases are not read")


def test_lists_nested_5000_deep_are_refused_at_the_65th(tmp_path, capsys):
    message = subset_refusal(tmp_path, RECIPE + "card:\n  tags: " + "[" * 5000 + "]" * 5000 + "\n", capsys)
    assert message == f"10: lists and mappings nested more than {MAX_YAML_DEPTH} deep are not read"


def test_nesting_up_to_the_limit_loads():
    deepest = MAX_YAML_DEPTH - 2  # the recipe's mapping and card: hold the rest
    card = parse_recipe(RECIPE + "card:\n  x_deep: " + "[" * deepest + "]" * deepest + "\n", "my.yaml").recipe.card
    assert card.model_extra["x_deep"] is not None


def test_a_recipe_over_256_kib_is_refused(tmp_path, capsys):
    padded = RECIPE + "#" * (MAX_YAML_BYTES - len(RECIPE) - 3) + "\u00e9\n"  # 256 KiB of UTF-8 but fewer characters
    assert parse_recipe(padded, "my.yaml").recipe.name == "gopher-en"
    assert subset_refusal(tmp_path, "#" + padded, capsys) == \
        " more than 262,144 bytes (256 KiB), the most a YAML file may have"
    with pytest.raises(RecipeError, match="^my.yaml: more than 262,144 bytes"):
        parse_recipe("#" + padded, "my.yaml")


def test_the_line_of_an_unclosed_quote_is_where_it_opens(tmp_path, capsys):
    unclosed = RECIPE.replace('100000"', "100000")
    assert subset_refusal(tmp_path, unclosed, capsys) == \
        "5: not valid YAML: while scanning a quoted scalar, found unexpected end of stream (line 9)"


def test_a_quote_left_open_before_other_quoted_values_is_named_where_it_opens():
    """The quote runs on to the next value's opening quote and PyYAML gives up a line later; the line to fix is
    the one whose value opens a quote it does not close (gopher.yaml with one closing quote removed)."""
    from tests.helpers.paths import REPO

    lines = (REPO / "recipes" / "gopher.yaml").read_text().splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("  symbol_to_word: "))
    lines[number - 1] = lines[number - 1].replace('0.1"', "0.1")
    with pytest.raises(RecipeError, match=rf"^g\.yaml:{number}: not valid YAML: while parsing a block mapping "):
        parse_recipe("".join(lines), "g.yaml")
    assert parse_recipe("name: x\ndescription: \"a value over\n  two lines\"\ninputs: [{path: d}]\n"
                        "output: {path: o}\n", "ok.yaml").recipe.description == "a value over two lines"


def test_a_misindented_key_is_named_at_its_own_line_not_its_mappings(tmp_path, capsys):
    misindented = RECIPE.replace("  shard_size", " shard_size")
    assert subset_refusal(tmp_path, misindented, capsys) == "8: not valid YAML: while parsing a block mapping " \
        "(line 1), expected <block end>, but found '<block mapping start>'"


def test_text_that_is_not_utf8_or_holds_a_control_character_is_named_by_line(tmp_path, capsys):
    assert subset_refusal(tmp_path, RECIPE.encode().replace(b"gopher-en\n", b"gopher-\xe9\n"), capsys) == \
        "1: not UTF-8 text (byte 0xe9)"
    assert subset_refusal(tmp_path, RECIPE.replace("out/gopher-en", "out/\x07"), capsys) == \
        "7: not valid YAML: unacceptable character #x0007: special characters are not allowed"


def test_report_refuses_a_recipe_with_aliases_in_its_job_record(tmp_path, capsys):
    """`curate report` parses the recipe stored in _job.json: a shared folder may hold a hostile one."""
    (tmp_path / "_job.json").write_text(json.dumps({"stage": "subset", "inputs": [], "recipe": laughs()}))
    (tmp_path / "_SUCCESS").write_text("")
    assert main(["report", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"curate report: error: {tmp_path / '_job.json'} (its recipe):11: &a: " \
        "anchors and aliases are not read (a few lines of them can expand to gigabytes); write the value out\n"


@pytest.mark.parametrize(("value", "refused"), [
    ("1:30", "a base-60 number (YAML 1.1 reads 1:30 as 90) is not read: quote it if it is text"),
    ("1" * 5000, "an integer of more than 4,300 digits is not read"),
    ("0x" + "f" * 5000, "an integer of more than 4,300 digits is not read"),
])
def test_integers_yaml_11_builds_slowly_or_python_cannot_print_are_refused_by_line(value, refused):
    """1 MiB of `1:1:1...` takes PyYAML minutes; an integer str() refuses would fail the card after the work."""
    assert refusal(RECIPE + f"card:\n  x_number: {value}\n").startswith(f"my.yaml:10: {refused}")


def test_a_quoted_base_60_looking_text_and_base_10_numbers_load():
    card = parse_recipe(RECIPE + "card:\n  x_time: '10:30'\n  x_count: 1_000\n", "my.yaml").recipe.card
    assert card.model_extra == {"x_time": "10:30", "x_count": 1000}


@pytest.mark.parametrize(("exclude", "message"), [
    ("exclude:\n  domains:\n    - ok.example\n    - http://bad.example/\n",
     "my.yaml:12: exclude.domains.1: 'http://bad.example/' is not a domain name"),
    ("exclude:\n  domain: [a.example]\n", "my.yaml:10: exclude.domain: unknown key (did you mean 'domains'?)"),
    ("exclude:\n  urls:\n    - {lsit: u.txt}\n", "my.yaml:11: exclude.urls.0.lsit: unknown key (did you mean 'list'?)"),
    ("exclude:\n  ids: [12]\n", "my.yaml:10: exclude.ids.0: 12: an entry is a value (text; quote a number)"),
])
def test_exclusion_lists_are_checked_by_line_and_key(exclude, message):
    assert refusal(RECIPE + exclude).startswith(message)


def test_a_filter_named_like_an_exclusion_list_is_refused():
    assert refusal(RECIPE.replace("word_count:", "exclude.ids:")).startswith(
        "my.yaml:5: filters.exclude.ids: the books count the documents the exclusion lists remove")
