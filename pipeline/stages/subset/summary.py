"""What `curate subset` says of its books in words: on the console, in the card and in the report."""

from collections.abc import Callable

CHARS_PER_TOKEN = 4  # OpenAI's rule of thumb for English text ("What are tokens and how to count them?")
# how the books count a document, for the card and the report (the order of decisions.py: `decisions`, `rule_order`)
FIRST_FAILED = ("A document counts under the first check it fails, in this order: the exclusion lists (named "
                "exclude. and their kind), then dedup, then the filters in recipe order, then line_filters, then "
                "sample.")


def null_notes(stats: dict, code: Callable[[str], str] = "`{}`".format) -> list[str]:
    """For each rule that removed documents on a null value, a sentence saying how many (SQL: a rule on a null
    is not true, so it removes the document); `code` writes the rule's name."""
    return [f"{code(name)} removed {count:,} of its {stats['dropped'][name]:,} documents on a null value (a column it "
            "reads has none there; `x IS NULL OR ...` or `coalesce(x, ...)` would keep them)"
            for name, count in stats.get("dropped_on_null", {}).items()]


def kept_size(stats: dict) -> str:
    """The characters and estimated tokens kept, as the table, the card and the report say them."""
    if stats.get("chars_kept") is None:
        return "characters not counted (the shards hold no `text` column)"
    return (f"{stats['chars_kept']:,} characters (about {stats['tokens_kept_estimate']:,} tokens at "
            f"{CHARS_PER_TOKEN} characters per token)")


def nothing_kept(stats: dict) -> str | None:
    """The line that ends a run that kept no document (None when it kept some)."""
    if stats["kept"]:
        return None
    why = (f"all {stats['read']:,} documents were removed (the table says by which rule"
           f"{', the warnings above why' if stats.get('warnings') else ''})") if stats["read"] else "no input documents"
    return (f"NOTHING KEPT: {why}; the dataset holds one empty shard, which datasets.load_dataset cannot load "
            '(Instruction "train" corresponds to no data)')


# what `redact_pii` counts, as the card and the report name it (filters/pii.py KINDS)
REDACTED_KINDS = {"emails": "e-mail addresses", "ips": "public IP addresses", "phones": "phone numbers"}


def redaction_note(stats: dict) -> str | None:
    """What `redact_pii` replaced, in words; None when the recipe has no such transform."""
    redacted = stats.get("redacted")
    if redacted is None:
        return None
    found = ", ".join(f"{redacted[kind]:,} {name}" for kind, name in REDACTED_KINDS.items() if kind in redacted)
    left = [name for kind, name in REDACTED_KINDS.items() if kind not in redacted]
    return (f"Personal data replaced in the text of the kept documents (the recipe's transform redact_pii): "
            f"{found}, in {redacted['documents']:,} documents"
            + (f"; {' and '.join(left)} were not looked for" if left else "")
            + ". Private, loopback, link-local and documentation addresses are kept, and so are addresses at "
            "domains reserved for examples. The signal columns describe the text before redaction.")
