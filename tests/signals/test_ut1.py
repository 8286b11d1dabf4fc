"""The UT1 table and `rps_doc_ut1_blacklist`: exact netloc, ids of category combinations (RedPajama-Data
app/src/artifacts/update_resources.py, app/src/core/quality_signals/content.py, 6d2cee9)."""

import json

import pytest

from signals.artifacts import UT1_TABLE, Artifacts
from signals.registry import UT1, compute_signals
from signals.training.ut1_table import UT1_CATEGORIES, category_ids, category_index, domain_category_ids


def test_ids_enumerate_the_combinations_of_the_13_categories():
    ids = category_ids()
    assert len(ids) == 2**13 - 1 == 8191
    # update_resources.py `_build_category_index`: 0 = adult, 1 = agressif, ..., 12 = violence, then the pairs
    assert ids[("adult",)] == 0 and ids[("agressif",)] == 1 and ids[("violence",)] == 12
    assert ids[("adult", "agressif")] == 13
    assert ids[tuple(sorted(UT1_CATEGORIES))] == 8190
    index = category_index()
    assert all(index[str(i)] == list(combination) for combination, i in ids.items())


def test_the_gambling_list_of_a_real_blacklist(shared_data, caplog):
    blacklists = shared_data / "wordlists" / "ut1"
    table = domain_category_ids(str(blacklists))
    domains = [line.strip() for line in (blacklists / "gambling" / "domains").open() if line.strip()]
    assert set(table) == set(domains)
    assert set(table.values()) == {category_ids()[("gambling",)]}
    # adult/ has `urls` and expressions but no `domains` file here: the reference reads `domains` only
    assert "category adult contributes no domain" in caplog.text


def test_a_domain_in_two_categories_gets_the_pair_id(tmp_path):
    for category, domains in (("adult", "both.example\nadult.example\n"), ("gambling", "both.example\n\n"),
                              ("games", "games.example\n")):  # games is not one of the 13: ignored
        (tmp_path / category).mkdir()
        (tmp_path / category / "domains").write_text(domains)
    table = domain_category_ids(str(tmp_path))
    assert set(table) == {"both.example", "adult.example"}
    assert category_index()[str(table["both.example"])] == ["adult", "gambling"]
    assert category_index()[str(table["adult.example"])] == ["adult"]


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        domain_category_ids(str(tmp_path / "no-such-folder"))


@pytest.fixture
def ut1_artifacts(tmp_path):
    table = tmp_path / UT1_TABLE
    table.parent.mkdir(parents=True)
    table.write_text(json.dumps({"casino.example": 8, "www.both.example": 20, "port.example:8080": 0}))
    return Artifacts(str(tmp_path))


@pytest.mark.parametrize(("url", "expected"), [
    ("https://casino.example/poker?x=1", 8),
    ("http://www.both.example/", 20),
    ("http://both.example/", None),  # no `www.` fallback
    ("http://sub.casino.example/", None),  # no parent-domain fallback
    ("http://port.example:8080/a", 0),  # the netloc keeps the port
    ("http://port.example/a", None),
    ("not a url", None),
    (None, None),
])
def test_exact_netloc_match(ut1_artifacts, url, expected):
    assert compute_signals("Some text.", "en", ut1_artifacts, UT1, url=url) == {
        "rps_doc_ut1_blacklist": [[0, 10, expected]]}


def test_missing_table_gives_null(tmp_path):
    got = compute_signals("Text", "en", Artifacts(str(tmp_path)), UT1, url="https://casino.example/")
    assert got == {"rps_doc_ut1_blacklist": [[0, 4, None]]}
