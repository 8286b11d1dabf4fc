"""The recipe and the planted duplicates the subset, report, publish and CLI tests share."""

from pathlib import Path

SUBSET_RULES = {
    "word_count": "rps_doc_word_count BETWEEN 50 AND 100000",
    "repetition": "rps_doc_frac_chars_top_2gram <= 0.2 OR rps_doc_frac_chars_dupe_10grams <= 0.1",
    "stop_words": "rps_doc_stop_word_fraction >= 0.25",
}


def planted_clusters(rows: int) -> dict[int, int]:
    """Row index -> copies planted after it: every 10th document gets 1, 2, 4 or 8 copies."""
    return {index: (1, 2, 4, 8)[(index // 10) % 4] for index in range(0, rows, 10)}


def subset_recipe(inputs: Path, output: Path, shard_size: str = "50KB") -> str:
    """The recipe of `parity_subset`: dedup, then SUBSET_RULES."""
    rules = "".join(f'  {name}: "{rule}"\n' for name, rule in SUBSET_RULES.items())
    return (f"name: parity-subset\ndescription: Parity pages with planted copies.\ninputs:\n  - path: {inputs}\n"
            f"dedup: {{exact: true}}\nfilters:\n{rules}output:\n  path: {output}\n  shard_size: {shard_size}\n"
            "card:\n  license: odc-by\n")
