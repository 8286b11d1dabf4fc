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
NON_PRINTING = "".join(map(chr, [*range(32), *range(127, 160)]))
_DIGIT = re.compile(r"\d")  # Unicode digits, as CCNet's DIGIT_RE
_UNICODE_PUNCT = re.compile("[" + "".join(UNICODE_PUNCT) + "]")
_NON_PRINTING_CHARS = re.compile("[" + NON_PRINTING + "]")
# CCNet's PUNCT_OR_NON_PRINTING_CHARS_RE without the newline, which separates the lines keyed here all at once
_PUNCT_OR_NON_PRINTING = re.compile("[" + "".join(UNICODE_PUNCT) + NON_PRINTING.replace("\n", "") + "]")
# for ASCII text, where the steps reduce to these (UNICODE_PUNCT has no ASCII character): str.translate is fastest
_ASCII_DIGITS = str.maketrans("123456789", "0" * 9)
_ASCII_DIGITS_NO_CONTROLS = str.maketrans("123456789", "0" * 9, "".join(map(chr, [*range(32), 127])))


# the nonspacing marks (category Mn) of the Basic Multilingual Plane in this Python's Unicode data, as one class
# (re matches a class of BMP characters in constant time); the few beyond it are checked one by one
_BMP_MARKS = re.compile("[" + "".join(c for c in map(chr, range(0x300, 0x10000))
                                      if unicodedata.category(c) == "Mn") + "]")
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def _unless_mark(match: re.Match) -> str:
    return "" if unicodedata.category(match.group()) == "Mn" else match.group()


def strip_accents(text: str) -> str:
    """NFD, then drop the nonspacing marks (category Mn); the rest stays decomposed."""
    text = unicodedata.normalize("NFD", text)
    if text.isascii():
        return text
    return _BEYOND_BMP.sub(_unless_mark, _BMP_MARKS.sub("", text))


def normalize(text: str) -> str:
    """What CCNet scores with its language models: stripped, lowercased, accents off, digits 0, typographic
    punctuation made ASCII, control characters (newlines too) deleted."""
    text = text.strip()
    if not text:
        return text
    text = strip_accents(text.lower())
    if text.isascii():
        return text.translate(_ASCII_DIGITS_NO_CONTROLS)
    text = _UNICODE_PUNCT.sub(lambda match: UNICODE_PUNCT[match.group()], _DIGIT.sub("0", text))
    return _NON_PRINTING_CHARS.sub("", text)


def dedup_keys(text: str) -> list[str]:
    """CCNet's `normalize_for_dedup` of each "\\n"-separated line: stripped, lowercased, digits 0, typographic
    punctuation and control characters deleted (accents kept).

    Done on the whole text at once, which gives the same keys: no white space has a case or lowercases to anything
    else, and no other character lowercases to white space, so lowercasing before stripping changes nothing."""
    text = text.lower()
    text = text.translate(_ASCII_DIGITS) if text.isascii() else _DIGIT.sub("0", text)
    text = "\n".join([line.strip() for line in text.split("\n")])
    return _PUNCT_OR_NON_PRINTING.sub("", text).split("\n")
