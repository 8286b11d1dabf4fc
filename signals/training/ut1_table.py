"""The UT1 blacklist as RedPajama-V2 uses it: every domain of the blocked categories mapped to the id of its
combination of categories.

Source: RedPajama-Data app/src/artifacts/update_resources.py, `create_bad_urls_index` (6d2cee9)."""

import logging
import os
from itertools import chain, combinations

log = logging.getLogger(__name__)

# the 13 categories of the RedPajama-V2 run (update_resources.py --block_categories)
UT1_CATEGORIES = ("adult", "agressif", "agressive", "arjel", "chat", "dating", "ddos", "filehosting", "gambling",
                  "mixed_adult", "phishing", "porn", "violence")


def category_ids(categories: tuple[str, ...] = UT1_CATEGORIES) -> dict[tuple[str, ...], int]:
    """Each non-empty combination of the sorted categories -> its id: the single categories first (0 = adult,
    ..., 12 = violence), then the pairs, and so on, in `itertools.combinations` order (8191 ids for 13)."""
    ordered = sorted(categories)
    every = chain.from_iterable(combinations(ordered, size) for size in range(1, len(ordered) + 1))
    return {combination: i for i, combination in enumerate(every)}


def domain_categories(blacklists: str, categories: tuple[str, ...] = UT1_CATEGORIES) -> dict[str, tuple[str, ...]]:
    """Domain -> sorted tuple of its categories, from the `{category}/domains` files of a UT1 blacklist folder.

    Only `domains` files count (the reference ignores `urls` and `expressions`); a category folder without one
    is skipped with a warning."""
    if not os.path.isdir(blacklists):
        raise FileNotFoundError(f"{blacklists}: no such UT1 blacklist folder")
    found: dict[str, set[str]] = {}
    for category in sorted(categories):
        path = os.path.join(blacklists, category, "domains")
        if not os.path.isfile(path):
            if os.path.isdir(os.path.dirname(path)):
                log.warning("%s: no `domains` file, category %s contributes no domain", blacklists, category)
            continue
        # a stray non-UTF-8 byte should not cost the whole list
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                domain = line.strip()
                if domain:  # a blank line would list the empty domain, which no URL with a host has
                    found.setdefault(domain, set()).add(category)
    return {domain: tuple(sorted(names)) for domain, names in sorted(found.items())}


def domain_category_ids(blacklists: str, categories: tuple[str, ...] = UT1_CATEGORIES) -> dict[str, int]:
    """`bad_urls/domain_to_category_id.json`: domain -> id of its combination of categories."""
    ids = category_ids(categories)
    return {domain: ids[combination] for domain, combination in domain_categories(blacklists, categories).items()}


def category_index(categories: tuple[str, ...] = UT1_CATEGORIES) -> dict[str, list[str]]:
    """`bad_urls/category_index.json`: id (a JSON key, so a string) -> its categories."""
    return {str(i): list(combination) for combination, i in category_ids(categories).items()}
