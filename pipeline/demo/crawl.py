"""The demo's crawl: a small synthetic Common Crawl WARC, generated offline, the same bytes on every run.

All text is generated here from small vocabularies of common words, so the demo needs no network and
copies no web text. The crawl plants what later stages act on, each kind under its own URL path:
articles (/en/, /de/, /fr/, /es/), /dup-exact/, /dup-near/, /boilerplate/, /spam/, /assets/ (not HTML),
/missing/ (404 and 301) and /legacy-charset/ (iso-8859-1 and mislabelled cp1252 pages).
"""

import base64
import filecmp
import hashlib
import json
import os
import random
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from pipeline.demo.warc_writer import http_response, warc_record, warcinfo, write_warc

CRAWL = "CC-MAIN-2099-01"
DEMO_FILE_NAME = "CC-MAIN-20990101000000-20990101010000-00000.warc.gz"
SEED = 2099
ARTICLES = {"en": 72, "de": 12, "fr": 12, "es": 12}
EXACT_DUPS, NEAR_DUPS, BOILERPLATE, SPAM = 6, 12, 8, 8
LEGACY_DE = "Der Bürgermeister grüßt die Gäste in der Hauptstraße."
LEGACY_FR = "L’été prochain, les élèves découvrent le cœur du musée : l’entrée coûte 5 € par élève."


@dataclass(frozen=True)
class _Language:
    code: str
    nouns: list[tuple[str, str]]  # (gender, noun)
    adjectives: list[str]  # "masculine|feminine" where the form changes; German: the stem
    verbs: list[str]  # third person singular, transitive
    adverbials: list[str]
    connectors: list[str]
    templates: list[str]
    ui: dict[str, str]
    sites: list[str]


def _nouns(spec: str) -> list[tuple[str, str]]:
    pairs = [part.split(":") for part in spec.split(";")]
    return [(gender.strip(), noun) for gender, nouns in pairs for noun in nouns.split()]


EN = _Language(
    "en",
    _nouns("n: council city school market museum library river bridge garden station hospital company "
           "farmer teacher family village park festival project report road theatre team club harbour "
           "bakery university committee neighbourhood mayor"),
    "new old local small large public modern quiet busy popular important historic green safe open simple "
    "recent famous young strong".split(),
    "supports builds opens needs describes changes improves visits plans shows welcomes protects repairs "
    "celebrates presents discusses funds prepares expects finds".split(),
    "this year|next month|every week|in the morning|after the meeting|near the river|in the city centre|"
    "during the summer|for many families|before the winter|for a long time|today|without major problems|"
    "with a lot of patience".split("|"),
    "however|meanwhile|in addition|according to residents|for this reason|at the same time|of course|"
    "in the end".split("|"),
    ["{s} {V} {O} {A}.", "{C}, {s} {V} {O}.", "Many people believe that {s} {V} {O} {A}.",
     "{s} is {P} and {V} {O}.", "{A}, {s} {V} {O} because {s2} {V2} {O2}.",
     "Nobody knows whether {s} {V} {O}.",
     "When {s} {V} {O}, {s2} {V2} {O2} {A}.", "According to the report, {s} {V} {O} {A}."],
    {"nav": "Home|News|Politics|Business|Sport|Culture|Weather|Contact", "by": "By the editorial team",
     "rights": "All rights reserved.", "links": "Privacy policy|Terms of use|Imprint|Advertise",
     "related": "Related articles"},
    ["riverside-news", "hilltop-gazette", "northfield-journal", "lakeshore-times"],
)
DE = _Language(
    "de",
    _nouns("m: Markt Bürgermeister Verein Bahnhof Garten Park Lehrer Plan Bericht Fluss Rat Hafen Weg Zug "
           "Bäcker; f: Stadt Schule Brücke Bibliothek Firma Familie Straße Gemeinde Regierung Ausstellung "
           "Kirche Universität Bäckerei Mannschaft; n: Museum Krankenhaus Dorf Projekt Theater Fest Haus "
           "Rathaus Konzert Geschäft Unternehmen Viertel"),
    "neu alt klein groß schön wichtig modern ruhig bekannt öffentlich lokal grün sicher offen jung stark "
    "historisch beliebt günstig bunt".split(),
    "unterstützt baut öffnet braucht beschreibt verändert verbessert besucht plant zeigt begrüßt schützt "
    "repariert feiert präsentiert diskutiert finanziert erwartet sucht kauft kennt organisiert".split(),
    "in diesem Jahr|im nächsten Monat|jede Woche|am Morgen|nach der Sitzung|am Fluss|in der Innenstadt|"
    "im Sommer|für viele Familien|vor dem Winter|seit langer Zeit|heute|ohne große Probleme|"
    "mit viel Geduld".split("|"),
    "außerdem|trotzdem|deshalb|gleichzeitig|natürlich|am Ende|inzwischen|zum Glück".split("|"),
    ["{s} {V} {O} {A}.", "{C} {V} {s} {O} {A}.", "Viele Menschen glauben, dass {s} {O} {A} {V}.",
     "{s} ist {P} und {V} {O}.", "{A} {V} {s} {O}, weil {s2} {O2} {V2}.", "Niemand weiß, ob {s} {O} {V}.",
     "Wenn {s} {O} {V}, {V2} {s2} {O2} {A}.", "Laut dem Bericht {V} {s} {O} {A}."],
    {"nav": "Startseite|Nachrichten|Politik|Wirtschaft|Sport|Kultur|Wetter|Kontakt",
     "by": "Von der Redaktion", "rights": "Alle Rechte vorbehalten.",
     "links": "Datenschutz|Nutzungsbedingungen|Impressum|Werbung",
     "related": "Weitere Artikel"},
    ["rheinblick", "talbote", "bergzeitung"],
)
FR = _Language(
    "fr",
    _nouns("m: marché maire musée parc pont jardin projet quartier hôpital théâtre village festival conseil "
           "port rapport train club lycée; f: ville école bibliothèque gare entreprise famille rue mairie "
           "région équipe université exposition église boulangerie association place"),
    "important|importante local|locale public|publique moderne ancien|ancienne célèbre régional|régionale "
    "historique culturel|culturelle populaire calme agréable vert|verte récent|récente connu|connue "
    "ouvert|ouverte nécessaire économique tranquille municipal|municipale".split(),
    "soutient construit ouvre présente prépare visite organise propose annonce change améliore défend "
    "cherche attend finance protège répare célèbre découvre accueille".split(),
    "cette année|le mois prochain|chaque semaine|le matin|après la réunion|près de la rivière|"
    "au centre-ville|pendant l'été|pour de nombreuses familles|avant l'hiver|depuis longtemps|aujourd'hui|"
    "sans grand problème|avec beaucoup de patience".split("|"),
    "cependant|par ailleurs|selon les habitants|en effet|de plus|pourtant|en même temps|bien sûr|"
    "finalement".split("|"),
    ["{s} {V} {O} {A}.", "{C}, {s} {V} {O}.", "Beaucoup de gens pensent que {s} {V} {O} {A}.",
     "{s} est {P} et {V} {O}.", "{A}, {s} {V} {O} parce que {s2} {V2} {O2}.",
     "Personne ne sait si {s} {V} {O}.",
     "Quand {s} {V} {O}, {s2} {V2} {O2} {A}.", "Selon le rapport, {s} {V} {O} {A}."],
    {"nav": "Accueil|Actualités|Politique|Économie|Sport|Culture|Météo|Contact", "by": "Par la rédaction",
     "rights": "Tous droits réservés.", "links": "Confidentialité|Conditions d'utilisation|Mentions légales|"
     "Publicité", "related": "À lire aussi"},
    ["le-petit-courrier", "journal-du-val", "echo-des-collines"],
)
ES = _Language(
    "es",
    _nouns("m: mercado alcalde museo parque puente jardín proyecto barrio hospital teatro pueblo festival "
           "consejo puerto informe tren club colegio; f: ciudad escuela biblioteca estación empresa familia "
           "calle región universidad exposición iglesia panadería asociación plaza"),
    "importante local público|pública moderno|moderna antiguo|antigua famoso|famosa regional municipal "
    "histórico|histórica cultural popular tranquilo|tranquila agradable verde nuevo|nueva pequeño|pequeña "
    "abierto|abierta conocido|conocida reciente necesario|necesaria".split(),
    "apoya construye abre presenta prepara visita organiza propone anuncia cambia mejora defiende busca "
    "espera financia protege repara celebra descubre necesita".split(),
    "este año|el próximo mes|cada semana|por la mañana|después de la reunión|cerca del río|en el centro|"
    "durante el verano|para muchas familias|antes del invierno|desde hace tiempo|hoy|sin grandes problemas|"
    "con mucha paciencia".split("|"),
    "sin embargo|además|según los vecinos|de hecho|por eso|al mismo tiempo|por supuesto|"
    "finalmente".split("|"),
    ["{s} {V} {O} {A}.", "{C}, {s} {V} {O}.", "Mucha gente cree que {s} {V} {O} {A}.",
     "{s} es {P} y {V} {O}.", "{A}, {s} {V} {O} porque {s2} {V2} {O2}.", "Nadie sabe si {s} {V} {O}.",
     "Cuando {s} {V} {O}, {s2} {V2} {O2} {A}.", "Según el informe, {s} {V} {O} {A}."],
    {"nav": "Inicio|Noticias|Política|Economía|Deportes|Cultura|Tiempo|Contacto", "by": "Por la redacción",
     "rights": "Todos los derechos reservados.",
     "links": "Privacidad|Condiciones de uso|Aviso legal|Publicidad",
     "related": "Te puede interesar"},
    ["diario-del-valle", "noticias-del-rio", "la-voz-del-puerto"],
)
LANGUAGES = {lang.code: lang for lang in (EN, DE, FR, ES)}

_DETERMINERS = ("def", "def", "def", "indef", "dem", "poss")
_EN_DET = {"def": "the", "indef": "a", "dem": "this", "poss": "our"}
# German: (determiner, case) -> gender -> (article, adjective ending)
_DE_DET = {
    ("def", "nom"): {"m": ("der", "e"), "f": ("die", "e"), "n": ("das", "e")},
    ("def", "acc"): {"m": ("den", "en"), "f": ("die", "e"), "n": ("das", "e")},
    ("dem", "nom"): {"m": ("dieser", "e"), "f": ("diese", "e"), "n": ("dieses", "e")},
    ("dem", "acc"): {"m": ("diesen", "en"), "f": ("diese", "e"), "n": ("dieses", "e")},
    ("indef", "nom"): {"m": ("ein", "er"), "f": ("eine", "e"), "n": ("ein", "es")},
    ("indef", "acc"): {"m": ("einen", "en"), "f": ("eine", "e"), "n": ("ein", "es")},
    ("poss", "nom"): {"m": ("unser", "er"), "f": ("unsere", "e"), "n": ("unser", "es")},
    ("poss", "acc"): {"m": ("unseren", "en"), "f": ("unsere", "e"), "n": ("unser", "es")},
}
_ROMANCE_DET = {
    "fr": {"def": ("le", "la"), "indef": ("un", "une"), "dem": ("ce", "cette"), "poss": ("notre", "notre")},
    "es": {"def": ("el", "la"), "indef": ("un", "una"), "dem": ("este", "esta"),
           "poss": ("nuestro", "nuestra")},
}


def _agree(adjective: str, gender: str) -> str:
    forms = adjective.split("|")
    return forms[-1] if gender == "f" else forms[0]


def _noun_phrase(lang: _Language, rng: random.Random, case: str) -> tuple[str, str]:
    gender, noun = rng.choice(lang.nouns)
    kind = rng.choice(_DETERMINERS)
    adjective = _agree(rng.choice(lang.adjectives), gender) if rng.random() < 0.35 else ""
    if lang.code == "en":
        article = "an" if kind == "indef" and (adjective or noun)[0] in "aeiou" else _EN_DET[kind]
        words = [article, adjective, noun]
    elif lang.code == "de":
        article, ending = _DE_DET[kind, case][gender]
        words = [article, adjective + ending if adjective else "", noun]
    else:
        article = _ROMANCE_DET[lang.code][kind][gender == "f"]
        if lang.code == "fr" and noun[0] in "aeiouéèh":
            article = {"le": "l'", "la": "l'", "ce": "cet"}.get(article, article)
        words = [article, noun, adjective]
    return " ".join(w for w in words if w).replace("' ", "'"), gender


def _sentence(lang: _Language, rng: random.Random) -> str:
    subject, gender = _noun_phrase(lang, rng, "nom")
    slots = {
        "s": subject, "s2": _noun_phrase(lang, rng, "nom")[0],
        "O": _noun_phrase(lang, rng, "acc")[0], "O2": _noun_phrase(lang, rng, "acc")[0],
        "V": rng.choice(lang.verbs), "V2": rng.choice(lang.verbs), "A": rng.choice(lang.adverbials),
        "C": rng.choice(lang.connectors), "P": _agree(rng.choice(lang.adjectives), gender),
    }
    text = rng.choice(lang.templates).format(**slots)
    if lang.code == "fr":
        text = re.sub(r"\bque (une?)\b", r"qu'\1", text)
    return text[0].upper() + text[1:]


def _headline(lang: _Language, rng: random.Random) -> str:
    text = f"{_noun_phrase(lang, rng, 'nom')[0]} {rng.choice(lang.verbs)} {_noun_phrase(lang, rng, 'acc')[0]}"
    return text[0].upper() + text[1:]


def _paragraphs(lang: _Language, rng: random.Random, words: int) -> list[str]:
    sentences, count = [], 0
    while count < words:
        sentences.append(_sentence(lang, rng))
        count += len(sentences[-1].split())
    paragraphs = []
    while sentences:
        size = rng.randint(3, 6)
        paragraphs.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    return paragraphs


def _site_name(site: str) -> str:
    return " ".join(part.capitalize() for part in site.split("-"))


def _html(lang: _Language, site: str, url: str, title: str, paragraphs: list[str], rng: random.Random,
          charset: str = "utf-8", top: str = "", extra_nav: str = "", bottom: str = "") -> str:
    """A page as news sites build them: head, logo, menu, article, related links, footer."""
    name, ui = _site_name(site), lang.ui
    menu = "".join(f'<li><a href="/{lang.code}/section-{i}">{escape(label)}</a></li>'
                   for i, label in enumerate(ui["nav"].split("|")))
    related = "".join(f'<li><a href="/{lang.code}/article-{rng.randint(1, 999)}">'
                      f"{escape(_headline(lang, rng))}</a></li>" for _ in range(3))
    footer = "".join(f'<li><a href="/{label.lower().replace(" ", "-")}">{escape(label)}</a></li>'
                     for label in ui["links"].split("|"))
    body = "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
    day = f"2098-12-{rng.randint(1, 31):02d}"
    charset_tag = f'<meta charset="{charset}">\n' if charset else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang.code}">\n<head>\n{charset_tag}'
        f"<title>{escape(title)} | {name}</title>\n"
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<link rel="canonical" href="{url}">\n</head>\n<body>\n{top}'
        f'<header><a class="logo" href="/">{name}</a>\n<nav><ul>{menu}</ul></nav>{extra_nav}</header>\n'
        f'<main><article>\n<h1>{escape(title)}</h1>\n<p class="byline">{ui["by"]} · '
        f'<time datetime="{day}">{day}</time></p>\n{body}\n</article>\n'
        f'<aside><h2>{ui["related"]}</h2><ul>{related}</ul></aside></main>\n{bottom}'
        f'<footer><ul>{footer}</ul><p>© 2099 {name}. {ui["rights"]}</p></footer>\n</body>\n</html>\n'
    )


@dataclass
class _Page:
    url: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    lang: str | None = None
    charset: str | None = "UTF-8"  # what the crawler's detector reports, in the metadata record
    headers: dict[str, str] = field(default_factory=dict)


def _articles(rng: random.Random, scale: int, first: int) -> list[tuple[_Page, _Language, str, list[str]]]:
    out, n = [], first
    for code, count in ARTICLES.items():
        lang = LANGUAGES[code]
        for _ in range(count * scale):
            n += 1
            site = rng.choice(lang.sites)
            url = f"https://{site}.example/{code}/article-{n}"
            title, paragraphs = _headline(lang, rng), _paragraphs(lang, rng, rng.randint(150, 600))
            html = _html(lang, site, url, title, paragraphs, rng)
            out.append((_Page(url, html.encode(), lang=code), lang, title, paragraphs))
    return out


def _near_copy(paragraphs: list[str], lang: _Language, rng: random.Random) -> list[str]:
    """The paragraphs with 1 to 10 words replaced by other words of the language."""
    words = [p.split(" ") for p in paragraphs]
    pool = [noun for _, noun in lang.nouns] + [_agree(a, "m") for a in lang.adjectives]
    for _ in range(rng.randint(1, 10)):
        i = rng.randrange(len(words))
        j = rng.randrange(len(words[i]))
        if words[i][j].isalpha():
            words[i][j] = rng.choice(pool)
    return [" ".join(w) for w in words]


def _boilerplate(rng: random.Random, n: int) -> _Page:
    site = rng.choice(EN.sites)
    url = f"https://{site}.example/boilerplate/page-{n}"
    cookie = ('<div id="cookie-banner" class="consent"><p>We use cookies and similar technologies to improve '
              "your experience, to show personalised content and adverts and to analyse our traffic. By "
              "clicking Accept all you agree to the storing of cookies on your device as described in our "
              "cookie policy. You can change your choice at any time in the privacy settings.</p>"
              "<button>Accept all</button><button>Reject all</button>"
              "<button>Manage settings</button></div>\n")
    links = [f'<li><a href="/{s.lower()}/{noun}">{s} {noun}</a></li>'
             for s in EN.ui["nav"].split("|") for _, noun in EN.nouns[:10]]
    mega = "".join(f'<ul class="mega">{"".join(links[i:i + 10])}</ul>' for i in range(0, len(links), 10))
    newsletter = ('<div class="newsletter"><p>Subscribe to our newsletter and never miss a story. '
                  "Sign up now for free and get the best of the week in your inbox.</p>"
                  '<input placeholder="Your email"><button>Subscribe</button></div>'
                  '<div class="social">'
                  + " ".join(f'<a href="#">{label}</a>' for label in ("Follow us", "Share", "Print", "Email"))
                  + "</div>\n")
    content = _paragraphs(EN, rng, rng.randint(20, 45))
    html = _html(EN, site, url, _headline(EN, rng), content, rng, top=cookie, extra_nav=mega,
                 bottom=newsletter * 3)
    return _Page(url, html.encode(), lang="en")


def _spam(rng: random.Random, n: int) -> _Page:
    product = rng.choice("watches sneakers phones laptops headphones sunglasses handbags vitamins".split())
    url = f"https://cheap-{product}-online.example/spam/offer-{n}"
    if n % 2:
        line = f"Buy cheap {product} online now, best price guaranteed and free shipping today!"
        # trafilatura keeps one of several identical paragraphs, so each holds another number of repeats
        paragraphs = [" ".join([line] * k) for k in rng.sample(range(2, 12), 6)]
    else:
        keywords = (f"cheap {product}, best {product}, {product} sale, discount {product}, "
                    f"buy {product} now, {product} deals, free shipping, top quality {product}, "
                    f"{product} offer")
        paragraphs = [" ".join([keywords] * rng.randint(30, 50))]
    site = f"cheap-{product}-online"
    html = _html(EN, site, url, f"Cheap {product} best price", paragraphs, rng)
    return _Page(url, html.encode(), lang="en")


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\x00\x2a\x6f\xb4")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


def _pdf(text: str) -> bytes:
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _special_pages(rng: random.Random, articles: list[_Page]) -> list[_Page]:
    """Non-HTML assets, a 404 and a redirect, and the two legacy-charset pages."""
    base = "https://riverside-news.example"
    index = json.dumps({"articles": [page.url for page in articles[:5]], "site": "Riverside News"},
                       sort_keys=True)
    not_found = ("<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>"
                 "<h1>Page not found</h1><p>The page you requested does not exist.</p></body></html>")
    de_url = "https://talbote.example/legacy-charset/de-latin1"
    fr_url = "https://journal-du-val.example/legacy-charset/fr-cp1252"
    de_html = _html(DE, "talbote", de_url, _headline(DE, rng), [LEGACY_DE, *_paragraphs(DE, rng, 200)], rng,
                    charset="iso-8859-1")
    fr_html = _html(FR, "journal-du-val", fr_url, _headline(FR, rng), [LEGACY_FR, *_paragraphs(FR, rng, 200)],
                    rng, charset="")
    return [
        _Page(f"{base}/assets/logo.png", _png(), "image/png", charset=None),
        _Page(f"{base}/assets/annual-report-2098.pdf", _pdf("Riverside News annual report 2098"),
              "application/pdf", charset=None),
        _Page(f"{base}/assets/index.json", index.encode(), "application/json", charset=None),
        _Page(f"{base}/assets/style.css", b"body{font-family:sans-serif;margin:0}nav li{display:inline}\n",
              "text/css", charset=None),
        _Page(f"{base}/missing/old-page", not_found.encode(), status=404),
        _Page(f"{base}/missing/moved", b"<html><body>Moved</body></html>", status=301,
              headers={"Location": articles[0].url}),
        # the charset is declared only in the meta tag
        _Page(de_url, de_html.encode("iso-8859-1"), "text/html", lang="de",
              charset="ISO-8859-1"),
        # the server claims utf-8 but sends cp1252 (common on old sites)
        _Page(fr_url, fr_html.encode("cp1252"), lang="fr", charset="WINDOWS-1252"),
    ]


def _pages(rng: random.Random, scale: int = 1, first: int = 0, extra: tuple[_Page, ...] = ()) -> list[_Page]:
    """The demo's pages `scale` times over, articles numbered from `first + 1`, with `extra` pages mixed in."""
    articles = _articles(rng, scale, first)
    pages = [page for page, *_ in articles]
    for n, (page, *_) in enumerate(rng.sample(articles, EXACT_DUPS * scale)):
        mirror = f"mirror-{n % 3 + 1}"
        pages.append(_Page(f"https://{mirror}.example/dup-exact/{page.url.rsplit('/', 1)[1]}", page.body,
                           lang=page.lang))
    for page, lang, title, paragraphs in rng.sample(articles, NEAR_DUPS * scale):
        site = f"{rng.choice(lang.sites)}-copy"
        url = f"https://{site}.example/dup-near/{page.url.rsplit('/', 1)[1]}"
        html = _html(lang, site, url, title, _near_copy(paragraphs, lang, rng), rng)
        pages.append(_Page(url, html.encode(), lang=lang.code))
    pages += [_boilerplate(rng, n) for n in range(first + 1, first + BOILERPLATE * scale + 1)]
    pages += [_spam(rng, n) for n in range(first + 1, first + SPAM * scale + 1)]
    pages += _special_pages(rng, pages)
    pages += extra
    rng.shuffle(pages)  # a crawl fetches hosts interleaved
    return pages


def _record_id(record: bytes) -> str:
    for line in record.split(b"\r\n\r\n", 1)[0].decode().split("\r\n"):
        if line.startswith("WARC-Record-ID: "):
            return line.removeprefix("WARC-Record-ID: ")
    raise ValueError("record without WARC-Record-ID")


def _fetch(page: _Page, when: datetime, info_id: str, rng: random.Random) -> list[bytes]:
    """The request, response and metadata records of one fetch, linked as Common Crawl links them."""
    host, _, path = page.url.removeprefix("https://").partition("/")
    date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    ip = f"192.0.2.{zlib.crc32(host.encode()) % 254 + 1}"
    common = {"WARC-Warcinfo-ID": info_id, "WARC-IP-Address": ip}
    request = (f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: CCBot/2.0 (https://commoncrawl.org/faq/)\r\n"
               "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
               "Accept-Encoding: br,gzip\r\nConnection: Keep-Alive\r\n\r\n").encode()
    request_record = warc_record("request", request, page.url, date, extra=common)
    http = http_response(page.body, page.content_type, page.status,
                         {"Date": format_datetime(when, usegmt=True), "Server": "nginx", **page.headers})
    digest = "sha1:" + base64.b32encode(hashlib.sha1(page.body).digest()).decode()
    response = warc_record("response", http, page.url, date, extra={
        **common, "WARC-Concurrent-To": _record_id(request_record), "WARC-Payload-Digest": digest,
        "WARC-Identified-Payload-Type": page.content_type.split(";")[0]})
    fields = f"fetchTimeMs: {rng.randint(40, 900)}\r\n"
    if page.charset:
        fields += f"charset-detected: {page.charset}\r\n"
    if page.lang:
        cld2 = {"reliable": True, "languages": [{"code": page.lang}]}
        fields += f"languages-cld2: {json.dumps(cld2, separators=(',', ':'))}\r\n"
    metadata = warc_record("metadata", fields.encode(), page.url, date,
                           extra={"WARC-Warcinfo-ID": info_id, "WARC-Concurrent-To": _record_id(response)})
    return [request_record, response, metadata]


def demo_records() -> list[bytes]:
    """The records of the demo crawl, byte-identical on every run."""
    return list(crawl_records(DEMO_FILE_NAME))


def crawl_records(filename: str, part: int = 0, scale: int = 1,
                  extra: list[tuple[str, str, dict[str, str]]] | None = None) -> Iterator[bytes]:
    """The records of one file of a larger crawl of the demo's kind (part 0 at scale 1 is the demo's): `scale`
    times its pages, each part with its own seed, article numbers and day, plus `extra` (url, English html,
    HTTP headers) pages."""
    rng = random.Random(SEED + part)
    day = datetime(2099, 1, 1, tzinfo=UTC) + timedelta(days=part)
    info = warcinfo(CRAWL, filename, date=day.strftime("%Y-%m-%dT%H:%M:%SZ"))
    yield info
    planted = tuple(_Page(url, html.encode(), lang="en", headers=headers) for url, html, headers in extra or ())
    articles_per_part = sum(ARTICLES.values()) * scale
    for i, page in enumerate(_pages(rng, scale, part * articles_per_part, planted)):
        yield from _fetch(page, day + timedelta(seconds=20 * i + rng.randint(0, 19)), _record_id(info), rng)


def write_demo_crawl(directory: str) -> str:
    """Write the demo WARC into `directory` (created if needed) and return its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, DEMO_FILE_NAME)
    fresh = path + ".new"
    write_warc(fresh, demo_records())
    # the same bytes keep the file as it was: a rerun of the demo then finds its outputs made from this input
    if os.path.exists(path) and filecmp.cmp(fresh, path, shallow=False):
        os.remove(fresh)
    else:
        os.replace(fresh, path)
    return path


def planted_copies(rows: list[dict]) -> dict[str, list[tuple[dict, dict]]]:
    """(copy, original) pairs of the demo's planted duplicates, by kind: a copy's URL ends like its original's."""
    originals = {row["url"].rsplit("/", 1)[1]: row for row in rows if _kind(row["url"]) in LANGUAGES}
    pairs: dict[str, list[tuple[dict, dict]]] = {"dup-exact": [], "dup-near": []}
    for row in rows:
        if _kind(row["url"]) in pairs:
            pairs[_kind(row["url"])].append((row, originals[row["url"].rsplit("/", 1)[1]]))
    return pairs


def _kind(url: str) -> str:
    return url.split("/")[3]
