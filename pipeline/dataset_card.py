"""The README.md of a subset: a Hugging Face dataset card with YAML front matter, the books and the recipe."""

import posixpath

import yaml

from pipeline.accounting import Stats
from pipeline.commit import OutputDir
from pipeline.subset import FIRST_FAILED, kept_size, null_notes

# The Hub's size_categories buckets, by number of rows (huggingface.co/docs/hub/datasets-cards).
SIZE_CATEGORIES = [(10**3, "n<1K"), (10**4, "1K<n<10K"), (10**5, "10K<n<100K"), (10**6, "100K<n<1M"),
                   (10**7, "1M<n<10M"), (10**8, "10M<n<100M"), (10**9, "100M<n<1B"), (10**10, "1B<n<10B"),
                   (10**11, "10B<n<100B"), (10**12, "100B<n<1T")]


def size_category(rows: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if rows < limit), "n>1T")


def front_matter(recipe, stats: dict) -> dict:
    card = recipe.card.model_dump(exclude_none=True)
    languages = card.pop("language", None) or [
        language for language in stats.get("mix", {}).get("language", {}) if language not in ("None", "")]
    config = recipe.output.config
    matter = {
        "license": card.pop("license", None) or "other",
        "language": languages or None,
        "pretty_name": card.pop("pretty_name", None) or recipe.name,
        # size_categories and configs are curate's alone: recipes.schema.GENERATED_CARD_KEYS refuses them in a recipe
        "size_categories": [size_category(stats["kept"])],
        "configs": [{"config_name": config,
                     "data_files": [{"split": "train", "path": posixpath.join("data", config, "train-*.parquet")}]}],
        **card,
    }
    return {key: value for key, value in matter.items() if value is not None}


def card_text(loaded, stats: dict) -> str:
    recipe = loaded.recipe
    matter = yaml.safe_dump(front_matter(recipe, stats), sort_keys=False, allow_unicode=True)
    books = Stats.from_dict(stats).table(by_count=False)
    cell = {name: name.replace("|", "\\|") for name in stats["rules"]}  # a bare | would end the table cell
    rules = "\n".join(f"| `{cell[name]}` | {stats['dropped'].get(name, 0):,} |" for name in stats["rules"])
    parts = [
        f"---\n{matter}---\n",
        f"# {front_matter(recipe, stats)['pretty_name']}\n",
        recipe.description.strip() + "\n" if recipe.description.strip() else "",
        f"Made with `curate subset` from the recipe `{recipe.name}` (below): {stats['kept']:,} of {stats['read']:,} "
        f"documents kept; {kept_size(stats)}.\n",
        f"## Documents removed by each rule\n\n{FIRST_FAILED}\n",
        "| rule | documents |\n|---|---:|\n" + rules + "\n" if rules else "No rules.\n",
        "".join(f"- {note}\n" for note in null_notes(stats)),
        "## Warnings\n\n" + "".join(f"- {warning}\n" for warning in stats["warnings"]) if stats.get("warnings")
        else "",
        "## The books\n\n```\n" + books + "\n```\n",
        "## Recipe\n\n```yaml\n" + loaded.text.rstrip() + "\n```\n",
    ]
    return "\n".join(part for part in parts if part)


def write_card(out: OutputDir, plan, stats: dict) -> None:
    out.write_text("README.md", card_text(plan.loaded, stats))
