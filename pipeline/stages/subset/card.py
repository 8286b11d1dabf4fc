"""The README.md of a subset: a Hugging Face dataset card with YAML front matter, the books, where the documents
come from and the recipe as run.

Everything in it that comes from a recipe or the data (names, descriptions, languages, paths) is escaped: the
card is published, and a recipe or a web page must not write Markdown or HTML into it."""

import json
import os
import posixpath
import re

import yaml

from filters.nodes import columns_of
from licenses.mt_models import restricts_use
from pipeline.accounting import Stats
from pipeline.messages import shown
from pipeline.stages.subset.plan import SubsetPlan
from pipeline.stages.subset.summary import FIRST_FAILED, kept_size, null_notes, redaction_note
from pipeline.storage.inputs import output_root, output_roots
from pipeline.storage.locations import is_local, local_path
from pipeline.storage.output_dir import OutputDir
from recipes.schema import LANGUAGE_CODE

# The Hub's size_categories buckets, by number of rows (huggingface.co/docs/hub/datasets-cards).
SIZE_CATEGORIES = [(10**3, "n<1K"), (10**4, "1K<n<10K"), (10**5, "10K<n<100K"), (10**6, "100K<n<1M"),
                   (10**7, "1M<n<10M"), (10**8, "10M<n<100M"), (10**9, "100M<n<1B"), (10**10, "1B<n<10B"),
                   (10**11, "10B<n<100B"), (10**12, "100B<n<1T")]
# CommonMark: any ASCII punctuation may be backslash-escaped. These would otherwise start emphasis, code, links,
# HTML or entities, table cells, strikethrough or (on the Hub) math; the others only matter at a line's start.
_INLINE = re.compile(r"([\\`*_\[\]<>&|~$])")
_LINE_START = re.compile(r"^([#+=-]|\d+[.)])")
_NO_LANGUAGE = ("None", "")  # how the mix counts documents without a language
# Common Crawl's crawl ids, as in its paths (pipeline/readers/warc/crawl_listing.py)
CRAWL_ID = re.compile(r"\bCC-MAIN-\d{4}-\d{2}\b")
# _job.json keys that are not options: what every job has, and the subset's recipe (its name is in _stats.json)
_NOT_OPTIONS = ("stage", "inputs", "sources", "recipe")
LICENSE_OTHER = (
    "`license: other`: curate gives the documents no licence of its own. They are text taken from web pages; "
    "where they come from Common Crawl (the crawls Provenance names), its data is used under its Terms of Use "
    "(https://commoncrawl.org/terms-of-use), and the text of each page stays under whatever terms its authors "
    "set (the `license` column holds a page's licence where its source states one). Check both before you use "
    "or redistribute the documents.")


def size_category(rows: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if rows < limit), "n>1T")


def escape(text: str, line_start: bool = False) -> str:
    """Text as one line of Markdown that shows it as written: it forms no emphasis, code, link, table cell or
    HTML; at the start of a line (`line_start`), no heading or list either."""
    inline = _INLINE.sub(r"\\\1", " ".join(str(text).split()))
    return _LINE_START.sub(r"\\\1", inline) if line_start else inline


def code(text: str) -> str:
    """A code span showing `text` as written, backticks too: its fence is longer than any run of backticks in it
    (CommonMark ends a span at a run as long as the one that opens it). HTML in a code span is shown, not read."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    pad = " " if text[:1] in "` " or text[-1:] in "` " else ""
    return f"{'`' * (longest + 1)}{pad}{text}{pad}{'`' * (longest + 1)}"


def cell(markdown: str) -> str:
    """Markdown in a table cell: GitHub's tables end a cell at a bare |, also inside a code span."""
    return markdown.replace("|", "\\|")


def fenced(text: str, info: str = "") -> str:
    """A fenced code block holding `text` as written: its fence is longer than any run of backticks in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}\n"


def card_languages(stats: dict) -> tuple[list[str], dict[str, int]]:
    """The language codes the kept documents have, most documents first, and the documents of each row of the
    card's language table: the codes, then `other` (values that are not a code) and `none` (no language)."""
    mix = stats.get("mix", {}).get("language", {})
    codes = [value for value in mix if LANGUAGE_CODE.fullmatch(value)]
    rows = {value: mix[value] for value in codes}
    other = sum(count for value, count in mix.items() if value not in codes and value not in _NO_LANGUAGE)
    none = sum(mix.get(value, 0) for value in _NO_LANGUAGE)
    rows.update({name: count for name, count in (("other", other), ("none", none)) if count})
    return codes, rows


def front_matter(recipe, stats: dict) -> dict:
    card = recipe.card.model_dump(exclude_none=True)
    languages = card.pop("language", None) or card_languages(stats)[0]  # a recipe's are checked by its schema
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


def _flow(value) -> str:
    """A value as one line of YAML in flow style."""
    return yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=2**31)[1:-2]


def recipe_as_run(text: str, inputs: list[str] | None, output: str | None) -> str:
    """The recipe's text with `inputs` and `output.path` replaced by those given on the command line (each
    value's span in the text; the rest, comments too, as written)."""
    root = yaml.compose(text)
    spans = []
    for key, value in root.value:
        if key.value == "inputs" and inputs:
            spans.append((key.end_mark.index, value.end_mark.index, [{"path": path} for path in inputs]))
        if key.value == "output" and output and isinstance(value, yaml.MappingNode):
            spans += [(inner.end_mark.index, node.end_mark.index, output) for inner, node in value.value
                      if inner.value == "path"]
    for start, end, new in sorted(spans, reverse=True):
        newline = "\n" if text[start:end].endswith("\n") else ""
        text = f"{text[:start]}: {_flow(new)}{newline}{text[end:]}"
    return text


def provenance(inputs: list[str]) -> list[str]:
    """Markdown lines of where the inputs come from: each curate output they lie in, with its stage, options and
    books, the outputs it was made from below it (walked up through their `_job.json`), and the crawls."""
    crawls: set[str] = set()
    lines = _upstream(inputs, 0, set(), crawls)
    head = f"Crawls: {', '.join(sorted(crawls))}." if crawls else "Crawls: none named in the inputs' paths."
    return [head, "", *lines]


def card_path(location: str) -> str:
    """A location as the card names it: a local one relative to the folder curate runs in, as a user types it
    (the card is published: it names no home folder of this machine); a remote one as it is."""
    return os.path.relpath(local_path(location)) if is_local(location) else location


def _upstream(files: list[str], depth: int, seen: set[str], crawls: set[str]) -> list[str]:
    """The list lines for the curate outputs `files` lie in, each followed by its own inputs', and a line for the
    files that lie in none (read as they are: nothing recorded further up)."""
    known: dict = {}
    roots = {file: output_root(file, known) if is_local(file) else None for file in files}
    lines, indent = [], "  " * depth
    for root in sorted({root for root in roots.values() if root}):
        if root in seen:
            lines.append(f"{indent}- {code(card_path(root))}, above")
            continue
        seen.add(root)
        job = OutputDir(root).job() or {}
        stats = OutputDir(root).read_json("_stats.json") if OutputDir(root).complete else {}
        said = "; ".join(part for part in (_options(job), _books(stats)) if part)
        stage = code(f"curate {job.get('stage')}")
        lines.append(f"{indent}- {stage} in {code(card_path(root))}" + (f": {said}" if said else ""))
        lines += _upstream([str(item) for item in job.get("inputs", [])], depth + 1, seen, crawls)
    loose = [file for file, root in roots.items() if root is None]
    crawls.update(match for file in loose for match in CRAWL_ID.findall(file))
    if loose:
        named = shown([code(card_path(file)) for file in loose])
        lines.append(f"{indent}- {len(loose):,} input file{'s' if len(loose) > 1 else ''} made by no curate job: "
                     f"{named}")
    return lines


def _options(job: dict) -> str:
    """A job's options as `key value` pairs, nested ones by their own key (`extractor`, not `options.extractor`)."""
    def leaves(data: dict):
        for key, value in data.items():
            if isinstance(value, dict):
                yield from leaves(value)
            else:
                yield key, value
    pairs = leaves({key: value for key, value in job.items() if key not in _NOT_OPTIONS})
    return ", ".join(f"{escape(key)} {escape(json.dumps(_relative(value), ensure_ascii=False))}"
                     for key, value in pairs)


def _relative(value):
    """An option's value as the card shows it: a local folder's absolute path (as `_job.json` records it)
    relative to where curate runs, like every path of the card."""
    return card_path(value) if isinstance(value, str) and os.path.isabs(value) else value


def _books(stats: dict) -> str:
    """What a finished upstream job read and kept, its recipe, the duplicates it marked, the artifacts it lacked."""
    parts = [f"recipe {code(str(stats['recipe']))}" if stats.get("recipe") else "",
             f"{stats['read']:,} read, {stats['kept']:,} kept" if "read" in stats else "",
             f"{stats['duplicates']:,} marked as duplicates" if "duplicates" in stats else "",
             "artifacts missing: " + ", ".join(code(str(name)) for name in stats["missing_artifacts"])
             if stats.get("missing_artifacts") else ""]
    return ", ".join(part for part in parts if part)


def licence_section(stats: dict) -> str:
    """The kept documents per licence and per tier, and the credit those under attribution and share-alike
    licences require: each source's attribution, and for web pages their URLs, in a file beside the card."""
    mix = stats.get("mix", {})
    if "license_tier" not in mix:
        return ""
    tables = "".join(f"| {title} | documents |\n|---|---:|\n" + "".join(
        f"| {cell(code(value) if value != 'None' else 'none')} | {count:,} |\n" for value, count in mix[column].items())
        + "\n" for title, column in (("licence", "license"), ("tier", "license_tier")) if column in mix)
    text = ("## Licences\n\nKept documents by `license` (an SPDX id; none where the source states no licence) and "
            "by `license_tier` (the Open License Corpus's tiers, Min et al. 2023, arXiv 2308.04430, with "
            "share-alike apart).\n\n" + tables)
    credit = stats.get("attribution")
    if not credit or not credit["documents"]:
        return text + "No kept document is under a licence that requires attribution.\n"
    text += (f"## Attribution\n\n{credit['documents']:,} kept documents are under a licence that requires credit "
             "(tiers `attribution` and `share_alike`: CC BY, CC BY-SA, ODC-BY, ODbL, ...). Give it as follows when "
             "you use or share them.\n\n")
    if credit["sources"]:
        text += "| source | attribution | documents |\n|---|---|---:|\n" + "".join(
            f"| {cell(code(str(item['source'])))} | {cell(escape(item['attribution']))} | {item['documents']:,} |\n"
            for item in credit["sources"]) + "\n"
    if credit["web_pages"]:
        text += (f"{credit['web_pages']:,} web pages are credited by their URL: {code(credit['urls_file'])} lists "
                 "each one's licence and URL, one page a line.\n\n")
    if credit["uncredited"]:
        text += (f"{credit['uncredited']:,} have neither an attribution from their source nor a URL: credit them "
                 "by their `source`.\n\n")
    return text.rstrip("\n") + "\n"


def optout_section(plan: SubsetPlan, stats: dict) -> str:
    """The opt-out policy applied: the rules that read `tdm_reserved`, and the exclusion lists with their
    versions and what each removed."""
    reading = [name for name, node in plan.rules if "tdm_reserved" in columns_of(node)]
    if not reading and not stats.get("exclude") and "tdm_reserved" not in plan.schema.names:
        return ""
    lines = ["## Opt-outs and exclusion lists\n"]
    if reading:
        rules = ", ".join(f"{code(name)} ({stats['dropped'].get(name, 0):,} removed)" for name in reading)
        lines.append(f"Pages whose authors reserved text and data mining (`tdm_reserved`: TDMRep or `noai`, "
                     f"found by `curate ingest`) are removed by the rule{'s' if len(reading) > 1 else ''} {rules}.\n")
    elif "tdm_reserved" in plan.schema.names:
        kept = stats.get("mix", {}).get("tdm_reserved", {}).get("True", 0)
        lines.append(f"No rule of this recipe reads `tdm_reserved`: {kept:,} kept documents are pages whose authors "
                     "reserved text and data mining.\n")
    if stats.get("exclude"):
        lines.append("Removed by name before every other step; each list's version is the SHA-256 of its "
                     "contents (of the values written in the recipe, one a line, for those).\n\n"
                     "| list | kind | values | SHA-256 | removed |\n|---|---|---:|---|---:|\n" + "".join(
                         f"| {cell(code(card_path(item['list'])) if item['list'] else 'in the recipe')} | "
                         f"{item['kind']} | {item['values']:,} | `{item['sha256']}` | {item['removed']:,} |\n"
                         for item in stats["exclude"]))
    return "\n".join(lines)


def machine_translation(stats: dict) -> str:
    """The card's section on machine-translated documents (`curate translate` output): the models, their weights'
    licences, and a warning when a licence restricts use (NonCommercial, NoDerivatives); "" when none is."""
    mix = stats.get("mix", {})
    licenses = mix.get("mt_model_license", {})
    if not licenses:
        return ""
    models = {name: count for name, count in mix.get("mt_model", {}).items() if name != "None"}
    translated = sum(licenses.values())
    lines = [f"{translated:,} of the kept documents are machine translations made by `curate translate`"
             + (": " + ", ".join(f"{code(name)} ({count:,})" for name, count in models.items()) if models else "")
             + ". The licences of the translation models' weights, by documents: "
             + ", ".join(f"{code(name) if name != 'None' else 'unknown'} ({count:,})"
                         for name, count in licenses.items()) + "."]
    restrictive = [name for name in licenses if restricts_use(name)]
    if restrictive:
        lines.append(f"**Warning**: {', '.join(code(name) for name in restrictive)} restricts use "
                     "(NonCommercial or NoDerivatives). The documents translated with such a model may not be usable "
                     "for what you intend, commercial training above all: read the model's licence first.")
    if "None" in licenses:
        lines.append("Some documents were translated by a model of unknown licence (`mt_model_license` null): "
                     "check its licence before you use them.")
    return "## Machine translation\n\n" + "\n\n".join(lines) + "\n"


def contamination_section(plan: SubsetPlan, stats: dict) -> str:
    """The benchmarks the input was checked against (`curate decontaminate`), their items, and what the rules
    that read `contaminated_by` removed; "" when neither is there."""
    found = [OutputDir(root).read_json("_stats.json") for root in output_roots(plan.inputs)
             if OutputDir(root).complete]
    checked = [item for item in found if item.get("stage") == "decontaminate"]
    reading = [name for name, node in plan.rules if "contaminated_by" in columns_of(node)]
    if not checked and not reading:
        return ""
    lines = ["## Benchmark decontamination\n"]
    for item in checked:
        rows = "".join(f"| {cell(code(name))} | {counts['items']:,} | {counts['skipped_short']:,} | "
                       f"{counts['documents_flagged']:,} |\n" for name, counts in item["benchmarks"].items())
        lines.append(f"`curate decontaminate` looked for word {item['ngram']}-grams of these benchmarks' items in "
                     f"the input (items of {item['min_item_words']} to {item['ngram'] - 1} words matched whole, "
                     "shorter ones skipped):\n\n| benchmark | items | skipped as short | documents holding its "
                     "n-grams |\n|---|---:|---:|---:|\n" + rows)
    if reading:
        rules = ", ".join(f"{code(name)} ({stats['dropped'].get(name, 0):,} removed)" for name in reading)
        lines.append(f"Documents holding them are removed by the rule{'s' if len(reading) > 1 else ''} {rules}.\n")
    else:
        lines.append("No rule of this recipe reads `contaminated_by`: documents holding benchmark n-grams are kept.\n")
    return "\n".join(lines)


def card_text(plan: SubsetPlan, stats: dict) -> str:
    loaded = plan.loaded
    recipe = loaded.recipe
    matter = front_matter(recipe, stats)
    books = Stats.from_dict(stats).table(by_count=False)
    rules = "\n".join(f"| {cell(code(name))} | {stats['dropped'].get(name, 0):,} |" for name in stats["rules"])
    _, languages = card_languages(stats)
    table = "\n".join(f"| {cell(code(name) if name not in ('other', 'none') else name)} | {count:,} |"
                      for name, count in languages.items())
    paragraphs = re.split(r"\n\s*\n", recipe.description.strip())
    description = "\n\n".join(escape(part, line_start=True) for part in paragraphs if part)
    as_run = fenced(recipe_as_run(loaded.text, plan.given_inputs, plan.given_output), "yaml")
    flags = [flag for flag, given in (("`--input`", plan.given_inputs), ("`--output`", plan.given_output)) if given]
    parts = [
        f"---\n{yaml.safe_dump(matter, sort_keys=False, allow_unicode=True)}---\n",
        f"# {escape(matter['pretty_name'])}\n",
        description + "\n" if description else "",
        f"Made with `curate subset` from the recipe {code(recipe.name)} (below): {stats['kept']:,} of "
        f"{stats['read']:,} documents kept; {kept_size(stats)}.\n",
        f"## Documents removed by each rule\n\n{FIRST_FAILED}\n",
        "| rule | documents |\n|---|---:|\n" + rules + "\n" if rules else "No rules.\n",
        "".join(f"- {note}\n" for note in null_notes(stats, code)),
        "## Warnings\n\n" + "".join(f"- {escape(warning)}\n" for warning in stats["warnings"])
        if stats.get("warnings") else "",
        "## Languages\n\nKept documents by `language`; `other` counts values that are not a language code (two or "
        "three lower-case letters, ISO 639), which the front matter leaves out.\n\n| language | documents |\n"
        "|---|---:|\n" + table + "\n" if table else "",
        licence_section(stats),
        optout_section(plan, stats),
        machine_translation(stats),
        contamination_section(plan, stats),
        f"## Personal data\n\n{redaction_note(stats)}\n" if stats.get("redacted") else "",
        "## The books\n\n" + fenced(books),
        "## Provenance\n\nThe curate outputs the subset was made from, walked up through each one's `_job.json`: "
        "its stage, options and books, then what it was made from.\n\n" + "\n".join(provenance(plan.inputs)) + "\n",
        "## License\n\n" + LICENSE_OTHER + "\n" if matter["license"] == "other" else "",
        f"## Recipe\n\nAs run{', with the paths of ' + ' and '.join(flags) if flags else ''}:\n\n" + as_run,
    ]
    return "\n".join(part for part in parts if part)


def write_card(out: OutputDir, plan: SubsetPlan, stats: dict) -> None:
    out.write_text("README.md", card_text(plan, stats))
