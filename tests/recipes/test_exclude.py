"""Exclusion list files and values: one a line, each checked for its kind."""

import hashlib

import pytest

from recipes.exclude import ListError, list_values, normal_value, version


def test_a_list_file_gives_its_values_once_in_order_without_comments_or_blank_lines():
    text = "# takedowns of June\n\nb.example\nA.example.\n  b.example  \nbücher.example\n"
    assert list_values("domains", text, "d.txt") == ["b.example", "a.example", "xn--bcher-kva.example"]


def test_a_bad_value_is_named_with_the_file_and_line():
    with pytest.raises(ListError, match=r"^d\.txt:3: 'https://c\.example/' is not a domain name"):
        list_values("domains", "a.example\n# x\nhttps://c.example/\n", "d.txt")
    with pytest.raises(ListError, match=r"^u\.txt:1: 'example\.org/page' is not an absolute URL"):
        list_values("urls", "example.org/page\n", "u.txt")
    with pytest.raises(ListError, match="an id has no spaces"):
        normal_value("ids", "a b")


def test_urls_and_ids_are_compared_as_written():
    assert normal_value("urls", " https://Example.org/A?b=1 ") == "https://Example.org/A?b=1"
    assert normal_value("ids", "Doc-1") == "Doc-1"


def test_a_lists_version_is_the_sha256_of_its_bytes():
    assert version(b"a.example\n") == hashlib.sha256(b"a.example\n").hexdigest()
