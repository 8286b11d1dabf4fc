"""CCNet's two text normalisations: the one before SentencePiece and KenLM, and the one that keys line dedup.

Source: facebookresearch/cc_net, cc_net/text_normalizer.py (`normalize` with its defaults accent=True, case=True,
numbers=True, punct=1, and `normalize_for_dedup`). Re-implemented from that file, steps in its order."""

import re
import unicodedata

# CCNet's UNICODE_PUNCT: full-width and typographic punctuation and what `normalize` replaces it with. The
# full-width digit one is listed there too, but digits have become 0 before this table applies.
UNICODE_PUNCT = {
    "，": ",", "。": ".", "、": ",", "„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "１": '"', "」": '"',
    "「": '"', "《": '"', "》": '"', "´": "'", "∶": ":", "：": ":", "？": "?", "！": "!", "（": "(", "）": ")",
    "；": ";", "–": "-", "—": " - ", "．": ". ", "～": "~", "’": "'", "…": "...", "━": "-", "〈": "<", "〉": ">",
    "【": "[", "】": "]", "％": "%", "►": "-",
}
# C0 and C1 control characters (0-31 and 127-159): newlines and tabs included, so a normalised text is one line
_NON_PRINTING = "".join(map(chr, [*range(32), *range(127, 160)]))
# one pass for CCNet's two steps (replace the punctuation, then delete control characters): no replacement
# contains a control character
_REPLACE_PUNCT_DELETE_NON_PRINTING = str.maketrans({**UNICODE_PUNCT, **dict.fromkeys(_NON_PRINTING)})
_DELETE_PUNCT_AND_NON_PRINTING = str.maketrans("", "", "".join(UNICODE_PUNCT) + _NON_PRINTING)
_DIGIT = re.compile(r"\d")  # Unicode digits, as CCNet's DIGIT_RE


def strip_accents(text: str) -> str:
    """NFD, then drop the nonspacing marks (category Mn); the rest stays decomposed."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def normalize(text: str) -> str:
    """What CCNet scores with its language models: stripped, lowercased, accents off, digits 0, typographic
    punctuation made ASCII, control characters (newlines too) deleted."""
    text = text.strip()
    if not text:
        return text
    text = _DIGIT.sub("0", strip_accents(text.lower()))
    return text.translate(_REPLACE_PUNCT_DELETE_NON_PRINTING)


def normalize_for_dedup(line: str) -> str:
    """The key of a line in CCNet's line dedup: stripped, lowercased, digits 0, typographic punctuation and
    control characters deleted (accents kept)."""
    line = line.strip()
    if not line:
        return line
    return _DIGIT.sub("0", line.lower()).translate(_DELETE_PUNCT_AND_NON_PRINTING)
