"""Recipe files: a valid one loads; a broken one is refused naming the file, the line and the key."""

import pytest

from recipes.loader import RecipeError, load_recipe, parse_recipe

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
    assert refusal("name: [x\n").startswith("my.yaml:2: not valid YAML")
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


def test_a_rule_name_with_a_control_character_is_refused():
    assert refusal(RECIPE.replace("word_count:", '"word\\0count":')).startswith(
        "my.yaml:5: filters.word\x00count: a rule's name is printed in the books, the card and the report")


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
