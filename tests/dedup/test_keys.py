"""Exact-dedup keys: what counts as the same text, the same digest and the same URL."""

import pytest

from dedup.keys import digest_key, text_key, url_key


def test_text_key_ignores_case_ascii_punctuation_and_spacing():
    assert text_key("Hello,   World!\nSee you.") == text_key("hello world see you")
    assert text_key("Hello World") != text_key("Hello Word")
    assert len(text_key("x")) == 20


def test_a_text_that_normalises_to_nothing_has_no_key():
    # empty, white space only and punctuation only texts are not copies of each other
    assert [text_key(text) for text in (None, "", "  \n ", "!!!", " ?.. ")] == [None] * 5


def test_digest_key_strips_the_sha1_prefix_as_redpajama_does():
    assert digest_key("sha1:RDTSR52RUHWDA7QK4BK7OUHU3EXTXYUL") == "RDTSR52RUHWDA7QK4BK7OUHU3EXTXYUL"
    assert digest_key("SHA1:ABC") == "ABC"
    assert digest_key("md5:ABC") == "md5:ABC"
    assert digest_key(None) is None and digest_key("  ") is None


@pytest.mark.parametrize(("first", "second"), [
    ("https://www.Example.com:443/a%7eb?utm_source=x&b=2&a=1#top", "http://example.com/a~b?a=1&b=2"),
    ("http://example.com", "https://example.com/"),
    ("http://example.com./x?fbclid=1", "http://EXAMPLE.com/x"),
    ("https://example.com/caf%c3%a9 x", "https://example.com/café%20x"),
])
def test_urls_of_the_same_page_share_a_key(first, second):
    assert url_key(first) == url_key(second)


@pytest.mark.parametrize(("first", "second"), [
    ("https://example.com/a/b", "https://example.com/a%2Fb"),  # an escaped slash is not a path separator
    ("https://example.com/a", "https://example.com/A"),
    ("https://example.com/?a=1", "https://example.com/?a=2"),
    ("https://example.com:8080/", "https://example.com/"),
    ("https://blog.example.com/", "https://example.com/"),
    ("ftp://example.com/x", "http://example.com/x"),
])
def test_different_pages_keep_different_keys(first, second):
    assert url_key(first) != url_key(second)


def test_missing_and_unparsable_urls():
    assert url_key(None) is None and url_key("") is None
    assert url_key("not a url") == "not a url"
    assert url_key("http://[::1") == "http://[::1"
