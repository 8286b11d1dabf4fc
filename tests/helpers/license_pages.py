"""Generated web pages with licence markers planted where real sites put them, each knowing what it declares.

A page is a realistic shell (head with the usual links and metas, a header with navigation, an article, an
aside, a footer with a copyright line) into which `pages` plants at most two *declarations* of the page's own
licence (the kinds of `POSITIVES`) and up to three *decoys*: licence links and texts about another item or not
a declaration at all (`NEGATIVES`), which must change nothing. The expected licence is the planted one; two
different planted licences leave none (licenses/web.py keeps a conflicting page without a licence)."""

import random
from dataclasses import dataclass, field

# Creative Commons licence elements as deed paths and SPDX elements (creativecommons.org/licenses/), with their
# words in the licences' names; "NoDerivs" until 3.0, "NoDerivatives" in 4.0.
CC_ELEMENTS = {"by": "BY", "by-sa": "BY-SA", "by-nd": "BY-ND", "by-nc": "BY-NC", "by-nc-sa": "BY-NC-SA",
               "by-nc-nd": "BY-NC-ND"}
CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")
CC_WORDS = {"by": "Attribution", "nc": "NonCommercial", "sa": "ShareAlike"}
EDITION = {"4.0": " International", "3.0": " Unported", "2.5": " Generic", "2.0": " Generic", "1.0": ""}
# Public-domain tools: the SPDX id, the deed path and its name (creativecommons.org/publicdomain/).
PUBLIC_DOMAIN = {"CC0-1.0": ("publicdomain/zero/1.0", "CC0 1.0 Universal"),
                 "CC-PDM-1.0": ("publicdomain/mark/1.0", None)}

WORDS = ("river valley morning farmers field children school bridge market harbour council library museum "
         "winter summer garden recipe bread orchard railway station village history festival music walk "
         "weather forecast rain north coast island fishing boats evening lamp story").split()
OTHER_ITEM_LICENCE = "https://creativecommons.org/licenses/by-sa/2.0/"


@dataclass(frozen=True)
class Licence:
    spdx: str
    path: str  # the deed's path on creativecommons.org
    short: str | None  # "CC BY-SA 4.0", as pages and meta tags write it
    long: str | None  # "Creative Commons Attribution-ShareAlike 4.0 International"
    tier: str  # the Open License Corpus's tier, NC before ND before SA (docs/licenses.md)


def _cc_licences() -> list[Licence]:
    found = []
    for element, spdx in CC_ELEMENTS.items():
        for version in CC_VERSIONS:
            # 1.0 named NoDerivs-NonCommercial in that order: creativecommons.org/licenses/by-nd-nc/1.0/
            path = "by-nd-nc" if (element, version) == ("by-nc-nd", "1.0") else element
            nd = "NoDerivatives" if version == "4.0" else "NoDerivs"
            words = "-".join({**CC_WORDS, "nd": nd}[part] for part in element.split("-"))
            parts = element.split("-")
            tier = next((name for part, name in (("nc", "non_commercial"), ("nd", "no_derivatives"),
                                                 ("sa", "share_alike")) if part in parts), "attribution")
            found.append(Licence(f"CC-{spdx}-{version}", f"licenses/{path}/{version}", f"CC {spdx} {version}",
                                 f"Creative Commons {words} {version}{EDITION[version]}", tier))
    return found


LICENCES = _cc_licences() + [Licence(spdx, path, "CC0" if spdx == "CC0-1.0" else None, name, "public_domain")
                             for spdx, (path, name) in PUBLIC_DOMAIN.items()]
TIER_OF = {licence.spdx: licence.tier for licence in LICENCES}


def deed_url(licence: Licence, rng: random.Random) -> str:
    """The deed's URL as pages write it: any scheme, with or without www, the deed or legal code, a language."""
    scheme = rng.choice(["https://", "http://", "//"])
    host = rng.choice(["creativecommons.org", "www.creativecommons.org"])
    tail = rng.choice(["/", "", "/deed.en", "/legalcode", "/deed.de", "/?ref=chooser-v1"])
    return f"{scheme}{host}/{licence.path}{tail}"


@dataclass
class Shell:
    """The parts of a page that markers are planted into."""

    head: list[str] = field(default_factory=list)
    article: list[str] = field(default_factory=list)
    aside: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    link_header: list[str] = field(default_factory=list)
    footer_tag: tuple[str, str] = ("<footer class=\"site-footer\">", "</footer>")


@dataclass(frozen=True)
class Page:
    html: str
    link_header: str | None
    license: str | None  # what the planted declarations make the page's licence
    declarations: tuple[tuple[str, str, str], ...]  # (kind, SPDX id, "tag in where") of each planted declaration
    decoys: tuple[str, ...]

    def describe(self) -> str:
        return f"declarations {self.declarations}, decoys {self.decoys}"


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 16))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return f"<p>{' '.join(_sentence(rng) for _ in range(rng.randint(2, 5)))}</p>"


def _name(licence: Licence, rng: random.Random) -> str:
    return rng.choice([name for name in (licence.short, licence.long) if name] or [licence.spdx])


# Each positive plants one declaration of `licence` and says which tag, where, the detector should name.
def _link_head(shell: Shell, licence: Licence, rng: random.Random) -> str:
    shell.head.append(f'<link rel="license" href="{deed_url(licence, rng)}">')
    return "link[rel=license] in head"


def _copyright_link(shell: Shell, licence: Licence, rng: random.Random) -> str:
    """What MediaWiki before 1.31 wrote in every page's head."""
    shell.head.append(f'<link rel="copyright" href="{deed_url(licence, rng)}" />')
    return "link[rel=copyright] in head"


def _chooser_snippet(shell: Shell, licence: Licence, rng: random.Random) -> str:
    """The snippet Creative Commons' licence chooser gives: a badge and a sentence, both rel=license."""
    url = deed_url(licence, rng)
    shell.footer.append(f'<a rel="license" href="{url}"><img alt="Creative Commons License" style="border-width:0" '
                        f'src="https://i.creativecommons.org/l/{licence.path}/88x31.png" /></a><br />This work is '
                        f'licensed under a <a rel="license" href="{url}">{_name(licence, rng)}</a>.')
    return "a[rel=license] in footer"


def _rel_in_article(shell: Shell, licence: Licence, rng: random.Random) -> str:
    shell.article.append(f'<p class="post-license">This article: <a rel="license" href="{deed_url(licence, rng)}">'
                         f'{_name(licence, rng)}</a></p>')
    return "a[rel=license] in article"


def _rel_in_aside(shell: Shell, licence: Licence, rng: random.Random) -> str:
    shell.aside.append(f'<div class="widget"><h3>Licence</h3><a rel="license" href="{deed_url(licence, rng)}">'
                       f'<img alt="{_name(licence, rng)}" src="/badge.png"></a></div>')
    return "a[rel=license] in aside"


def _meta(name: str):
    def plant(shell: Shell, licence: Licence, rng: random.Random) -> str:
        content = rng.choice([deed_url(licence, rng), _name(licence, rng)])
        shell.head.append(f'<meta name="{name}" content="{content}">')
        return f"meta[name={name.lower()}] in head"
    return plant


def _footer_statement(shell: Shell, licence: Licence, rng: random.Random) -> str:
    opening = rng.choice(["Except where otherwise noted, content on this site is licensed under a",
                          "All text is available under the", "This blog is published under",
                          "Texts released under"])
    shell.footer.append(f'<p>{opening} <a href="{deed_url(licence, rng)}">{_name(licence, rng)}</a>.</p>')
    shell.footer_tag = rng.choice([("<footer>", "</footer>"), ('<div id="footer">', "</div>"),
                                   ('<div class="page-footer" role="contentinfo">', "</div>")])
    return "statement linking a Creative Commons deed in footer"


def _link_header(shell: Shell, licence: Licence, rng: random.Random) -> str:
    url = deed_url(licence, rng)
    shell.link_header.append(f'<{"https:" + url if url.startswith("//") else url}>; rel="license"')
    return "Link header rel=license"


POSITIVES = {
    "link_head": _link_head, "copyright_link": _copyright_link, "chooser_snippet": _chooser_snippet,
    "rel_in_article": _rel_in_article,
    "rel_in_aside": _rel_in_aside, "meta_dcterms_license": _meta("dcterms.license"),
    "meta_dc_rights": _meta("DC.rights"), "meta_license": _meta("license"),
    "footer_statement": _footer_statement, "link_header": _link_header,
}


# Decoys: licence links and texts that are no declaration of the page (about another item, or no statement), by
# the part of the page they go into; {url} is a deed, {sentence} some text, {n} a number.
NEGATIVES = {
    "figure_caption": ("article", '<figure><img src="/photos/{n}.jpg" alt="The harbour"><figcaption>The harbour '
                       'at dawn. Photo: Jane Doe, <a rel="license" href="{url}">CC BY-SA 2.0</a></figcaption>'
                       '</figure>'),
    "wordpress_caption": ("article", '<div class="wp-caption aligncenter"><img src="/wp-content/uploads/b.jpg"><p '
                          'class="wp-caption-text">The old bridge (<a href="{url}">CC BY-SA 2.0</a>, licensed under '
                          'it by its author)</p></div>'),
    "image_credit": ("article", '<p class="image-credit">Header image: John Roe / Flickr, <a rel="license" '
                     'href="{url}">CC BY-SA 2.0</a></p>'),
    "footer_photo_credit": ("footer", '<p>Header photo by Jane Doe, licensed under <a href="{url}">CC BY-SA 2.0</a>.'
                            '</p>'),
    "comment": ("article", '<section id="comments"><h2>2 comments</h2><article class="comment"><p>{sentence} My own '
                'blog is licensed under <a rel="license" href="{url}">CC BY-SA 2.0</a>.</p><footer>Posted by a '
                'reader. Content licensed under <a href="{url}">CC BY-SA</a>.</footer></article></section>'),
    "embedded_tweet": ("article", '<blockquote class="twitter-tweet"><p>{sentence}</p>&mdash; Someone <a '
                       'rel="license" href="{url}">CC BY-SA 2.0</a></blockquote>'),
    "embedded_video": ("article", '<div class="video-embed"><iframe src="https://video.example/embed/{n}"></iframe>'
                       '<p>Video licensed under <a rel="license" href="{url}">CC BY-SA 2.0</a></p></div>'),
    "plain_text_url": ("footer", "<p>This content is licensed under https://creativecommons.org/licenses/by-sa/2.0/ "
                       "(creativecommons.org/licenses/by-sa/2.0).</p>"),
    "all_rights_reserved": ("footer", "<p>&copy; {n} Valley Media Ltd. All rights reserved.</p>"),
    "rights_meta": ("head", '<meta name="dc.rights" content="Copyright Valley Media Ltd. All rights reserved.">'),
    "footer_cc_links": ("footer", '<ul class="links"><li><a href="https://creativecommons.org/">Creative Commons</a>'
                        '</li><li><a href="{url}">What CC BY-SA 2.0 means</a></li><li><a href="/about">About us</a>'
                        '</li></ul>'),
    "rights_reserved_with_cc_link": ("footer", '<p>&copy; Valley Media. All rights reserved. Released under no '
                                     'licence but our own; see <a href="{url}">CC BY-SA</a> for what we do not use.'
                                     '</p>'),
    "own_terms": ("footer", '<p><a rel="license" href="/terms-of-use">Terms of use</a></p>'),
    "article_mentions_a_licence": ("article", '<p>{sentence} Wikipedia is published under <a href="{url}">CC BY-SA'
                                   '</a>, which is why we quote it.</p>'),
}


def _plant_decoy(shell: Shell, name: str, rng: random.Random) -> None:
    part, html = NEGATIVES[name]
    getattr(shell, part).append(html.format(url=OTHER_ITEM_LICENCE, sentence=_sentence(rng), n=rng.randint(1, 2024)))


def _html(shell: Shell, rng: random.Random, title: str) -> str:
    nav = "".join(f'<li><a href="/{word}">{word.title()}</a></li>' for word in rng.sample(WORDS, 5))
    opening, closing = shell.footer_tag
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="/style.css"><meta property="og:title" content="{title}">'
        f'{"".join(shell.head)}</head><body><header class="site-header"><a href="/">Valley News</a>'
        f'<nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>{"".join(shell.article)}</article>'
        f'<aside class="sidebar">{"".join(shell.aside)}<p>{_sentence(rng)}</p></aside></main>'
        f'{opening}<p>{_sentence(rng)}</p>{"".join(shell.footer)}{closing}</body></html>'
    )


def pages(count: int, seed: int = 0) -> list[Page]:
    """`count` pages: every positive kind in turn (one declaration; every fifth page two that agree, every
    seventh two that differ, every sixth none), each with up to three random decoys."""
    rng = random.Random(seed)
    kinds = list(POSITIVES)
    found = []
    for n in range(count):
        shell = Shell(article=[_paragraph(rng) for _ in range(rng.randint(3, 6))])
        planted = [] if n % 6 == 5 else [kinds[n % len(kinds)]]
        licences = [LICENCES[rng.randrange(len(LICENCES))]]
        if planted and n % 5 == 4:
            planted.append(rng.choice([kind for kind in kinds if kind != planted[0]]))
            licences.append(licences[0])
        elif planted and n % 7 == 6:
            planted.append(rng.choice([kind for kind in kinds if kind != planted[0]]))
            licences.append(rng.choice([licence for licence in LICENCES if licence.spdx != licences[0].spdx]))
        declarations = tuple((kind, licence.spdx, POSITIVES[kind](shell, licence, rng))
                             for kind, licence in zip(planted, licences, strict=False))
        decoys = tuple(rng.sample(list(NEGATIVES), rng.randint(0, 3)))
        for decoy in decoys:
            _plant_decoy(shell, decoy, rng)
        ids = {spdx for _, spdx, _ in declarations}
        found.append(Page(_html(shell, rng, f"Page {n}: {_sentence(rng)[:40]}"),
                          ", ".join(shell.link_header) or None, ids.pop() if len(ids) == 1 else None,
                          declarations, decoys))
    return found
