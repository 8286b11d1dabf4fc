import bz2
import json
from collections import Counter

import pyarrow.parquet as pq
import pytest

from licenses.spdx import tier
from pipeline.accounting import Stats
from pipeline.cli.main import main
from pipeline.readers.sources.spec import Piece, SourceError, parse_source
from pipeline.readers.sources.stackexchange import NoSite, documents, post_text, site_of
from pipeline.storage.locations import BadInput
from tests.helpers.stackexchange import MIN_SCORE, SITE, dump


def _source(extra: str = "") -> object:
    return parse_source(f"name: cooking\nreader: stackexchange\npaths: [x]\n{extra}", "cooking.yaml")


def _read(folder, generated, source=None, posts_name="Posts.xml", users=True) -> tuple[dict[str, dict], Stats]:
    folder.mkdir(parents=True, exist_ok=True)
    compress = bz2.compress if posts_name.endswith(".bz2") else (lambda data: data)
    (folder / posts_name).write_bytes(compress(generated.posts_xml))
    if users:
        (folder / posts_name.replace("Posts", "Users")).write_bytes(compress(generated.users_xml))
    stats = Stats()
    rows = list(documents(Piece(str(folder / posts_name)), source or _source(), stats))
    for _ in rows:
        stats.keep()  # as the stage counts them
    return {row["meta"]["question_id"]: row for row in rows}, stats


def test_each_question_comes_out_with_the_answers_planted_for_it_in_their_order(tmp_path):
    generated = dump()
    assert any(a.score < MIN_SCORE for t in generated.threads for a in t.answers)  # an accepted one below it
    rows, stats = _read(tmp_path / "cooking.stackexchange.com", generated)
    kept = [t for t in generated.threads if t.fate == "kept"]
    assert sorted(rows) == sorted(str(t.question.id) for t in kept)
    for thread in kept:
        row = rows[str(thread.question.id)]
        text = row["text"]
        assert row["meta"]["answer_ids"] == ",".join(str(a.id) for a in thread.answers)
        places = [text.index(post.marker) for post in [thread.question, *thread.answers]]
        assert places == sorted(places)
        for post in [thread.question, *thread.answers]:
            assert post.code in text  # verbatim: indentation, the blank line, "<", "&" and the spaces
        assert not any(post.marker in text for post in thread.left_out)
        assert "<p>" not in text and "&lt;" not in text and "&amp;" not in text
        assert row["url"] == f"{SITE}/questions/{thread.question.id}" and row["date"] == thread.question.created
        assert row["source"] == "cooking" and row["language"] is None


def test_the_licence_is_the_newest_of_the_posts_revisions_each_kept_in_meta(tmp_path):
    generated = dump()
    rows, _ = _read(tmp_path / "cooking.stackexchange.com", generated)
    kept = [t for t in generated.threads if t.fate == "kept"]
    assert {t.licence for t in kept} == {"CC-BY-SA-3.0", "CC-BY-SA-4.0"}
    for thread in kept:
        row = rows[str(thread.question.id)]
        assert row["license"] == thread.licence, thread.question.id
        assert json.loads(row["meta"]["post_licenses"]).keys() == {str(p.id) for p in [thread.question,
                                                                                        *thread.answers]}
    edges = rows[str(generated.threads[0].question.id)]  # 2.5's last millisecond and 3.0's first
    assert json.loads(edges["meta"]["post_licenses"]) == {str(generated.threads[0].question.id): "CC-BY-SA-2.5",
                                                          str(generated.threads[0].answers[0].id): "CC-BY-SA-3.0"}


def test_unanswered_questions_are_kept_with_min_answers_0_and_the_threshold_is_the_source_files(tmp_path):
    generated = dump()
    rows, stats = _read(tmp_path / "a" / "cooking.stackexchange.com", generated, _source("options: {min_answers: 0}\n"))
    assert sorted(rows) == sorted(str(t.question.id) for t in generated.threads)
    assert not stats.dropped["too_few_answers"]
    rows, _ = _read(tmp_path / "b" / "cooking.stackexchange.com", generated, _source("options: {min_score: 1000}\n"))
    assert {k: row["meta"]["answer_ids"] for k, row in rows.items()} == \
        {str(t.question.id): str(t.accepted) for t in generated.threads if t.accepted}  # accepted answers only


def test_a_licence_in_the_source_file_is_every_documents(tmp_path):
    rows, _ = _read(tmp_path / "cooking.stackexchange.com", dump(), _source("license: CC BY-SA 4.0\n"))
    assert {row["license"] for row in rows.values()} == {"CC-BY-SA-4.0"}


def test_every_question_and_every_post_outside_one_is_counted(tmp_path):
    generated = dump()
    _, stats = _read(tmp_path / "cooking.stackexchange.com", generated)
    assert stats.kept == sum(t.fate == "kept" for t in generated.threads)
    assert stats.dropped == generated.dropped and stats.errors == generated.errors and stats.balanced
    example = stats.examples["bad_post"][0]
    assert example.startswith("Posts.xml: row ") and "'yesterday'" in example


def test_authors_are_named_from_users_xml_or_the_post_and_linked_to_their_profiles(tmp_path):
    generated = dump()
    rows, _ = _read(tmp_path / "a" / "cooking.stackexchange.com", generated)
    bare, _ = _read(tmp_path / "b" / "cooking.stackexchange.com", generated, users=False)
    for thread in (t for t in generated.threads if t.fate == "kept"):
        authors = json.loads(rows[str(thread.question.id)]["meta"]["authors"])
        posts = [thread.question, *thread.answers]
        assert authors == [name if post.owner is None else f"{name} ({SITE}/users/{post.owner})"
                           for name, post in zip(thread.authors, posts, strict=True)]
        without = json.loads(bare[str(thread.question.id)]["meta"]["authors"])
        assert without == [post.owner_name if post.owner is None else f"user {post.owner} ({SITE}/users/{post.owner})"
                           for post in posts]


def test_a_compressed_dump_reads_as_the_plain_one(tmp_path):
    plain, plain_stats = _read(tmp_path / "p" / "cooking.stackexchange.com", dump())
    packed, packed_stats = _read(tmp_path / "z" / "cooking.stackexchange.com", dump(), posts_name="Posts.xml.bz2")
    assert {k: (r["text"], r["license"], r["id"]) for k, r in plain.items()} == \
        {k: (r["text"], r["license"], r["id"]) for k, r in packed.items()}
    assert plain_stats.to_dict()["dropped"] == packed_stats.to_dict()["dropped"]


def test_a_truncated_dump_keeps_what_came_before_the_break(tmp_path):
    generated = dump()
    cut = generated.posts_xml[: len(generated.posts_xml) * 2 // 3]
    folder = tmp_path / "cooking.stackexchange.com"
    folder.mkdir()
    (folder / "Posts.xml").write_bytes(cut)
    stats = Stats()
    rows = list(documents(Piece(str(folder / "Posts.xml")), _source(), stats))
    assert rows and stats.errors["invalid_xml"] == 1 and "Posts.xml: after row" in stats.examples["invalid_xml"][0]


def test_a_broken_users_file_is_a_bad_input_naming_it(tmp_path):
    generated = dump()
    folder = tmp_path / "cooking.stackexchange.com"
    folder.mkdir()
    (folder / "Posts.xml").write_bytes(generated.posts_xml)
    (folder / "Users.xml").write_bytes(generated.users_xml[:200])
    with pytest.raises(BadInput, match=r"Users.xml: cannot be read as Stack Exchange users"):
        list(documents(Piece(str(folder / "Posts.xml")), _source(), Stats()))


def test_the_site_comes_from_the_source_file_or_the_dump_path():
    assert site_of("/dumps/cooking.stackexchange.com/Posts.xml") == "https://cooking.stackexchange.com"
    assert site_of("s3://b/stackoverflow.com-Posts/Posts.xml.bz2") == "https://stackoverflow.com"
    assert site_of("/d/ru.stackoverflow.com/Posts.xml") == "https://ru.stackoverflow.com"
    with pytest.raises(NoSite, match="options: {site:"):
        site_of("/dumps/Posts.xml")
    source = _source("options: {site: 'https://cooking.stackexchange.com', min_score: 3}\n")
    assert source.options.site == SITE and source.options.min_score == 3


def test_a_mistake_in_the_options_names_the_line_and_the_closest_key():
    with pytest.raises(SourceError, match=r"cooking.yaml:5: options.min_scor: .*min_score"):
        _source("options:\n  min_scor: 2\n")


def test_html_to_text_keeps_code_verbatim_and_lists_as_lines():
    code = "for i in range(3):\n\tprint('<%d>' % i)   # tab, spaces\n\n\nend"
    html = (f"<p>Try <code>x  &lt; y</code>:</p><pre><code>{code.replace('<', '&lt;')}\n</code></pre>"
            "<ol><li>first</li><li>second</li></ol><blockquote><p>quoted</p></blockquote><p>a<br>b</p>")
    text = post_text(html)
    assert code in text
    lines = text.splitlines()
    assert [line.split(".", 1)[1].strip() for line in lines if line.strip()[:2] in ("1.", "2.")] == ["first", "second"]
    assert "quoted" in lines and Counter(lines)["a"] == 1 and "b" in lines


def test_a_dump_comes_out_as_documents_with_their_licences_through_curate_ingest(spark, tmp_path):
    generated = dump()
    folder = tmp_path / "cooking.stackexchange.com"
    folder.mkdir()
    (folder / "Posts.xml").write_bytes(generated.posts_xml)
    (folder / "Users.xml").write_bytes(generated.users_xml)
    source = tmp_path / "cooking.yaml"
    source.write_text(f"name: cooking\nreader: stackexchange\npaths: [{folder}/]\n"
                      "attribution: Stack Exchange contributors\n")
    output = tmp_path / "docs"
    assert main(["ingest", "--source", str(source), "--output", str(output), "--quiet"]) == 0
    rows = {dict(row["meta"])["question_id"]: row for row in pq.read_table(output).to_pylist()}
    kept = {str(t.question.id): t for t in generated.threads if t.fate == "kept"}
    assert {k: (r["license"], r["license_tier"]) for k, r in rows.items()} == \
        {k: (t.licence, tier(t.licence)) for k, t in kept.items()}
    assert all(r["source"] == "cooking" and r["language"] == "en" and r["tdm_reserved"] is None
               and dict(r["meta"])["attribution"] == "Stack Exchange contributors" for r in rows.values())
    stats = json.loads((output / "_stats.json").read_text())
    assert stats["kept"] == len(kept) and stats["dropped"] == dict(generated.dropped)
    assert stats["errors"] == dict(generated.errors)
    assert stats["read"] == stats["kept"] + sum(stats["dropped"].values()) + sum(stats["errors"].values())
