"""Language codes, mapped once: ISO 639-1 (what documents carry) to the codes each model family expects.

FLORES-200 codes (NLLB-200's language tokens) from the FLORES-200 language list,
https://github.com/facebookresearch/flores/blob/main/flores200/README.md; ISO 639-3 codes (multilingual OPUS-MT's
`>>xxx<<` target tokens, older models use the ISO 639-1 `>>xx<<`) from https://iso639-3.sil.org; M2M-100's tokens
are `__xx__` with the ISO 639-1 code (https://huggingface.co/facebook/m2m100_418M).
"""

from dataclasses import dataclass

from filters.suggest import closest


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str  # in English, for prompts
    flores: str  # FLORES-200, as NLLB-200 takes it
    iso3: str  # ISO 639-3


LANGUAGES = {language.code: language for language in (
    Language("ar", "Arabic", "arb_Arab", "ara"),
    Language("bg", "Bulgarian", "bul_Cyrl", "bul"),
    Language("ca", "Catalan", "cat_Latn", "cat"),
    Language("cs", "Czech", "ces_Latn", "ces"),
    Language("cy", "Welsh", "cym_Latn", "cym"),
    Language("da", "Danish", "dan_Latn", "dan"),
    Language("de", "German", "deu_Latn", "deu"),
    Language("el", "Greek", "ell_Grek", "ell"),
    Language("en", "English", "eng_Latn", "eng"),
    Language("es", "Spanish", "spa_Latn", "spa"),
    Language("et", "Estonian", "est_Latn", "est"),
    Language("eu", "Basque", "eus_Latn", "eus"),
    Language("fi", "Finnish", "fin_Latn", "fin"),
    Language("fr", "French", "fra_Latn", "fra"),
    Language("ga", "Irish", "gle_Latn", "gle"),
    Language("hi", "Hindi", "hin_Deva", "hin"),
    Language("hr", "Croatian", "hrv_Latn", "hrv"),
    Language("hu", "Hungarian", "hun_Latn", "hun"),
    Language("id", "Indonesian", "ind_Latn", "ind"),
    Language("it", "Italian", "ita_Latn", "ita"),
    Language("ja", "Japanese", "jpn_Jpan", "jpn"),
    Language("ko", "Korean", "kor_Hang", "kor"),
    Language("lt", "Lithuanian", "lit_Latn", "lit"),
    Language("lv", "Latvian", "lvs_Latn", "lav"),
    Language("mt", "Maltese", "mlt_Latn", "mlt"),
    Language("nl", "Dutch", "nld_Latn", "nld"),
    Language("pl", "Polish", "pol_Latn", "pol"),
    Language("pt", "Portuguese", "por_Latn", "por"),
    Language("ro", "Romanian", "ron_Latn", "ron"),
    Language("ru", "Russian", "rus_Cyrl", "rus"),
    Language("sk", "Slovak", "slk_Latn", "slk"),
    Language("sl", "Slovenian", "slv_Latn", "slv"),
    Language("sv", "Swedish", "swe_Latn", "swe"),
    Language("sw", "Swahili", "swh_Latn", "swa"),
    Language("tr", "Turkish", "tur_Latn", "tur"),
    Language("uk", "Ukrainian", "ukr_Cyrl", "ukr"),
    Language("vi", "Vietnamese", "vie_Latn", "vie"),
    Language("zh", "Chinese", "zho_Hans", "zho"),
)}


def language(code: str) -> Language:
    """The language of an ISO 639-1 code; ValueError naming the closest known one."""
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}{closest(code, LANGUAGES)}: the languages with model codes are "
                         f"{', '.join(LANGUAGES)}")
    return LANGUAGES[code]


def nllb_code(code: str) -> str:
    return language(code).flores


def m2m100_token(code: str) -> str:
    return f"__{language(code).code}__"


def opus_tokens(code: str) -> list[str]:
    """The `>>xx<<` target tokens a multilingual OPUS-MT model may use for the language, the usual one first."""
    found = language(code)
    return [f">>{found.iso3}<<", f">>{found.code}<<"]
