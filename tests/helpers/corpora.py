"""Real text for the artifact builders, read from ../shared/data: Wikipedia articles and web documents."""

import bz2
import gzip
import html
import json
import random
import re
from pathlib import Path

ENWIKI = "corpus/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
BGWIKI = "corpus/bgwiki-latest-pages-articles-shortened.xml.bz2"
WEB = "cc/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"


def wiki_articles(path: Path) -> list[str]:
    """The wikitext of each article of a MediaWiki XML dump (crude: the <text> elements; redirects left out)."""
    data = bz2.open(path).read()
    text = data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8")
    articles = (html.unescape(m.group(1)) for m in re.finditer(r"<text[^>]*>(.*?)</text>", text, re.S))
    return [a for a in articles if a.strip() and not a.lstrip().upper().startswith("#REDIRECT")]


def web_documents(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in gzip.open(path, "rt", encoding="utf-8")]


def paragraphs(texts: list[str], min_words: int = 20, seed: int = 0) -> list[str]:
    """Blank-line-separated blocks of at least `min_words` words, shuffled: many short documents from few long."""
    blocks = [b for t in texts for b in re.split(r"\n\s*\n", t) if len(b.split()) >= min_words]
    random.Random(seed).shuffle(blocks)
    return blocks
