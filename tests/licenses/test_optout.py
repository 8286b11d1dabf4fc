"""Opt-out signals of a page, by the TDMRep report's rules and the noai/noimageai directives."""

import pytest

from licenses.optout import SiteRule, TdmrepError, is_well_known, page_optout, site_of, site_rules

URL = "https://news.example/2024/story.html"


def head(*tags: str, body: str = "<p>text</p>") -> str:
    return f"<!doctype html><html><head><title>t</title>{''.join(tags)}</head><body>{body}</body></html>"


@pytest.mark.parametrize(("fields", "html", "reserved", "evidence"), [
    ([("TDM-Reservation", "1")], head(), True, "header tdm-reservation: 1"),
    ([], head('<meta name="tdm-reservation" content="1">'), True, "meta tdm-reservation: 1"),
    ([], head('<META NAME="robots" CONTENT="noindex, NoAI">'), True, "meta robots: noai"),
    ([("X-Robots-Tag", "noai")], head(), True, "header x-robots-tag: noai"),
    ([("X-Robots-Tag", "otherbot: noai")], head(), True, "header x-robots-tag: noai"),
    ([], head('<meta name="robots" content="noimageai">'), False, "meta robots: noimageai"),
    ([("X-Robots-Tag", "noimageai")], head(), False, "header x-robots-tag: noimageai"),
    ([("tdm-reservation", "0")], head(), False, "header tdm-reservation: 0"),
    ([("tdm-reservation", "2")], head(), False, ""),  # not 0 or 1: a protocol error, counted as unset
    ([], head(), False, ""),
])
def test_each_signal_and_its_negatives(fields, html, reserved, evidence):
    result = page_optout(URL, fields, html)
    assert (result.reserved, result.evidence) == (reserved, evidence)


def test_the_policy_is_kept_with_the_reservation():
    html = head('<meta name="tdm-reservation" content="1">',
                '<meta name="tdm-policy" content="https://news.example/policy.json">')
    assert page_optout(URL, [], html).evidence == \
        "meta tdm-reservation: 1 (tdm-policy https://news.example/policy.json)"


def test_the_page_supersedes_the_header_which_supersedes_the_site():
    sites = {"news.example": [SiteRule("/", True)]}
    assert page_optout(URL, [], head(), sites).reserved
    assert not page_optout(URL, [("tdm-reservation", "0")], head(), sites).reserved
    assert page_optout(URL, [("tdm-reservation", "0")], head('<meta name="tdm-reservation" content="1">'),
                       sites).reserved
    # noai reserves whatever TDMRep says
    assert page_optout(URL, [("tdm-reservation", "0"), ("x-robots-tag", "noai")], head()).reserved


def test_tags_in_comments_scripts_or_the_body_are_not_the_pages():
    for html in (head('<!-- <meta name="tdm-reservation" content="1"> -->'),
                 head('<script>document.write(\'<meta name="robots" content="noai">\')</script>'),
                 head(body='<p>Add <meta name="robots" content="noai"> to opt out</p>')):
        assert page_optout(URL, [], html) == page_optout(URL, [], head())


def test_several_robots_tags_and_header_fields_add_up():
    html = head('<meta name="robots" content="noindex">', '<meta name="robots" content="noai">')
    assert page_optout(URL, [], html).reserved
    fields = [("x-robots-tag", "googlebot: noindex"), ("x-robots-tag", "noai")]
    assert page_optout(URL, fields, head()).reserved


def test_site_rules_match_as_robots_txt_and_the_first_match_applies():
    payload = b"""[{"location": "/private/", "tdm-reservation": 1, "tdm-policy": "https://a.example/p"},
                   {"location": "/*.pdf$", "tdm-reservation": 1},
                   {"location": "/", "tdm-reservation": 0}]"""
    rules = site_rules(payload)
    sites = {"a.example": rules}
    assert page_optout("https://a.example/private/x.html", [], head(), sites).evidence == \
        "tdmrep.json /private/: 1 (tdm-policy https://a.example/p)"
    assert page_optout("https://a.example/docs/x.pdf", [], head(), sites).reserved
    assert not page_optout("https://a.example/docs/x.pdf?page=2", [], head(), sites).reserved
    assert not page_optout("http://A.example:80/open.html", [], head(), sites).reserved
    assert page_optout("https://b.example/private/x.html", [], head(), sites).evidence == ""


@pytest.mark.parametrize("payload", [b"{", b'{"location": "/"}', b'[{"tdm-reservation": 1}]'])
def test_a_tdmrep_file_that_is_not_an_array_of_rules_is_refused(payload):
    with pytest.raises(TdmrepError):
        site_rules(payload)


def test_sites_and_the_well_known_path():
    assert site_of("https://Www.Example.org:443/a") == "www.example.org"
    assert site_of("http://example.org:8080/a") == "example.org:8080"
    assert is_well_known("https://example.org/.well-known/tdmrep.json")
    assert not is_well_known("https://example.org/x/.well-known/tdmrep.json")
