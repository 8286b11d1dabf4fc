"""A licence-filtered subset's card: its licences and tiers, the attribution each source requires, the URLs of the
web pages that need credit, and the opt-out policy it applied."""

from collections import Counter

import pytest

from licenses.spdx import tier
from pipeline.stages.subset.plan import plan_subset
from pipeline.stages.subset.run import run_subset
from recipes.loader import load_recipe
from tests.helpers.licensed_documents import WIKIPEDIA, licensed_rows, write_licensed
from tests.helpers.paths import REPO


@pytest.fixture(scope="module")
def licensed(tmp_path_factory):
    rows = licensed_rows()
    return rows, write_licensed(tmp_path_factory.mktemp("licensed") / "docs", rows)


@pytest.mark.parametrize(("recipe", "tiers"), [
    ("open-licensed", {"public_domain", "permissive", "attribution", "share_alike"}),
    ("olc-permissive", {"public_domain", "permissive", "attribution"}),
])
def test_the_card_lists_the_licences_and_attributions_of_what_it_kept(spark, licensed, tmp_path, recipe, tiers):
    rows, inputs = licensed
    out = tmp_path / recipe
    stats = run_subset(spark, plan_subset(load_recipe(str(REPO / "recipes" / f"{recipe}.yaml")), str(out),
                                          [str(inputs)]))
    open_rows = [row for row in rows if tier(row["license"]) in tiers]
    kept = [row for row in open_rows if not row.get("tdm_reserved")]
    licence_rule = next(iter(load_recipe(str(REPO / "recipes" / f"{recipe}.yaml")).recipe.filters))
    assert stats["dropped"] == {licence_rule: len(rows) - len(open_rows),
                                "tdm_not_reserved": len(open_rows) - len(kept)}
    assert stats["mix"]["license"] == {str(k): v for k, v in Counter(row["license"] for row in kept).items()}
    assert stats["mix"]["license_tier"] == dict(Counter(tier(row["license"]) for row in kept))

    credited = [row for row in kept if tier(row["license"]) in ("attribution", "share_alike")]
    by_source = [row for row in credited if (row.get("meta") or {}).get("attribution")]
    pages = sorted((row["url"], row["license"]) for row in credited if row not in by_source and row.get("url"))
    assert stats["attribution"] == {
        "documents": len(credited), "sources": [{"source": "enwiki", "attribution": WIKIPEDIA,
                                                 "documents": len(by_source)}],
        "web_pages": len(pages), "urls_file": "attribution/urls.tsv",
        "uncredited": len(credited) - len(by_source) - len(pages)}
    lines = (out / "attribution" / "urls.tsv").read_text().splitlines()
    assert lines == ["license\turl"] + [f"{licence}\t{url}" for url, licence in pages]

    card = (out / "README.md").read_text()
    for licence, count in Counter(row["license"] for row in kept).items():
        assert f"| `{licence}` | {count:,} |" in card
    assert f"| `enwiki` | Wikipedia contributors, https://en.wikipedia.org | {len(by_source):,} |" in card
    assert f"{len(pages):,} web pages are credited by their URL: `attribution/urls.tsv`" in card
    assert f"`tdm_not_reserved` ({len(open_rows) - len(kept):,} removed)" in card
    assert "attribution/urls.tsv" in (out / "_manifest.json").read_text()
