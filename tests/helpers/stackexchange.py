"""A Stack Exchange dump built by the tests: `Posts.xml` and `Users.xml` as the archive.org dumps lay them out (one
`<row>` per post or user, the post's HTML in its `Body` attribute), with what the generator planted: each
question's selected answers in their order, its licence, its authors, and the posts no document holds."""

import html
import random
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# The licence of a contribution by its date (https://stackoverflow.com/help/licensing): planted dates fall inside
# one era, or on its first or last millisecond.
ERAS = (
    ("CC-BY-SA-2.5", datetime(2008, 8, 1, tzinfo=UTC), datetime(2011, 4, 8, tzinfo=UTC)),
    ("CC-BY-SA-3.0", datetime(2011, 4, 8, tzinfo=UTC), datetime(2018, 5, 2, tzinfo=UTC)),
    ("CC-BY-SA-4.0", datetime(2018, 5, 2, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC)),
)
SITE = "https://cooking.stackexchange.com"
MIN_SCORE = 1  # the reader's default threshold, which the planted scores straddle


@dataclass
class Post:
    id: int
    era: int  # index into ERAS of the revision in the dump
    score: int = 0
    owner: int | None = None
    owner_name: str | None = None  # a deleted user's name, kept on the post
    marker: str = ""  # a sentence no other post has
    code: str = ""  # a code block, as its text (not HTML)
    created: datetime | None = None


@dataclass
class Thread:
    question: Post
    answers: list[Post]  # the selected ones, in the order the document must have them
    licence: str
    authors: list[str]  # display names, question's first
    left_out: list[Post] = field(default_factory=list)  # its answers no document may show
    fate: str = "kept"
    accepted: int | None = None  # the accepted answer's id


@dataclass
class Dump:
    posts_xml: bytes
    users_xml: bytes
    threads: list[Thread]
    dropped: Counter  # expected drops by reason, over the records that are not threads
    errors: Counter


class _Writer:
    def __init__(self, rng: random.Random):
        self.rng, self.rows, self.users = rng, [], {}
        self.next_user = 10

    def date(self, era: int, edge: str = "") -> datetime:
        start, end = ERAS[era][1], ERAS[era][2]
        if edge == "first":
            return start
        if edge == "last":
            return end - timedelta(milliseconds=1)
        return start + timedelta(seconds=self.rng.randrange(int((end - start).total_seconds())))

    def user(self) -> int:
        self.next_user += 1
        self.users[self.next_user] = f"Cook {self.rng.choice('ABCDEFGH')}{self.next_user} & <Sons>"
        return self.next_user

    def body(self, post: Post) -> str:
        post.marker = f"Marker sentence {post.id} says {self.rng.randrange(10**9)} about pans."
        post.code = f"def post_{post.id}(x):\n    if x < 2 and x & 1:\n\n        return  '<b>'   # {post.id}"
        return (f"<p>{html.escape(post.marker)} With <code>inline()</code> and <a href='https://x.example'>a "
                f"link</a>.</p>\n<pre><code>{html.escape(post.code)}\n</code></pre>\n<ul><li>one</li><li>two</li></ul>")

    def row(self, post: Post, kind: int, edge: str = "", **extra) -> None:
        post.created = self.date(post.era, edge)
        attrs = {"Id": str(post.id), "PostTypeId": str(kind), **{k: str(v) for k, v in extra.items()},
                 "CreationDate": _stamp(post.created), "Score": str(post.score), "Body": self.body(post)}
        if post.owner is not None:
            attrs["OwnerUserId"] = str(post.owner)
        if post.owner_name is not None:
            attrs["OwnerDisplayName"] = post.owner_name
        self.rows.append(attrs)

    def author(self, post: Post) -> str:
        return post.owner_name if post.owner is None else self.users[post.owner]


def dump(seed: int = 5, threads: int = 12) -> Dump:
    """Random threads around the special cases: answers on both sides of the threshold, accepted answers below
    it, revisions in a later era than their post, licences the dump states, the last and first millisecond of an
    era, a merged question's answer before its question, orphaned answers, tag wikis, a broken row, a deleted
    user."""
    rng = random.Random(seed)
    w = _Writer(rng)
    ids = iter(range(100, 10**6, 7))
    planted = [_edges(w, ids)]
    for n in range(threads):
        question = Post(next(ids), rng.randrange(len(ERAS)), rng.randint(-1, 30), owner=w.user())
        answers = [Post(next(ids), rng.randrange(question.era, len(ERAS)), score, owner=w.user())
                   for score in rng.sample([-3, -1, 0, 0, MIN_SCORE, MIN_SCORE + 1, 4, 12, 40], rng.randint(0, 5))]
        accepted = rng.choice([None, *answers]) if answers else None
        extra = {"AcceptedAnswerId": accepted.id} if accepted else {}
        revision = question.era
        if n % 3 == 0:  # edited later: the dump holds the revision, of the edit's era
            revision = rng.randrange(question.era, len(ERAS))
            extra["LastEditDate"] = _stamp(w.date(revision))
        if n % 4 == 1:  # the dump states the licence (as dumps since 2020 do): it outranks the dates
            revision = rng.randrange(len(ERAS))
            extra["ContentLicense"] = f"CC BY-SA {ERAS[revision][0].rsplit('-', 1)[1]}"
        planted.append(_thread(w, question, answers, accepted, revision, extra))
    # a merged question: the answer was written for another question, and has the smaller id
    early, late = Post(50, 2, 3, owner_name="Deleted Chef"), Post(next(ids), 2, 2, owner=w.user())
    w.row(early, 2, ParentId=late.id)
    planted.append(_thread(w, late, [early], None, 2, {}))
    w.row(Post(next(ids), 1, 9, owner=w.user()), 2, ParentId=999_999)  # its question is not in the dump
    for kind in (4, 5):  # a tag wiki excerpt and a tag wiki
        w.row(Post(next(ids), 1, owner=w.user()), kind)
    w.rows.append({"Id": str(next(ids)), "PostTypeId": "1", "CreationDate": "yesterday", "Body": "<p>x</p>",
                   "Title": "Broken", "Score": "0"})
    w.rows.sort(key=lambda attrs: int(attrs["Id"]))  # the dumps come in id order
    users = [{"Id": str(uid), "Reputation": "101", "CreationDate": "2009-01-01T00:00:00.000", "DisplayName": name}
             for uid, name in sorted(w.users.items())]
    return Dump(_xml("posts", w.rows), _xml("users", users), planted,
                Counter(answer_without_question=1, other_post_type=2,
                        too_few_answers=sum(t.fate == "too_few_answers" for t in planted)),
                Counter(bad_post=1))


def _edges(w: _Writer, ids) -> Thread:
    """A question of the last millisecond of CC BY-SA 2.5, its answer at the threshold of the first of 3.0, and
    one just under the threshold."""
    question = Post(next(ids), 0, 5, owner=w.user())
    w.row(question, 1, edge="last", Title="Edges", Tags="|edges|")
    first, under = Post(next(ids), 1, MIN_SCORE, owner=w.user()), Post(next(ids), 1, MIN_SCORE - 1, owner=w.user())
    w.row(first, 2, edge="first", ParentId=question.id)
    w.row(under, 2, ParentId=question.id)
    return Thread(question, [first], ERAS[1][0], [w.author(question), w.author(first)], [under])


def _thread(w: _Writer, question: Post, answers: list[Post], accepted: Post | None, revision: int,
            extra: dict) -> Thread:
    """Write a question (its revision of era `revision`) and its answers; what the reader must make of them."""
    w.row(question, 1, Title=f"How do I braise {question.id} <quickly> & well?", Tags="|braising|pans|", **extra)
    for answer in answers:
        if answer.id > question.id:
            w.row(answer, 2, ParentId=question.id)
    selected = sorted([a for a in answers if a is accepted or a.score >= MIN_SCORE],
                      key=lambda a: (a is not accepted, -a.score, a.id))
    licence = ERAS[max([revision, *(a.era for a in selected)])][0]
    return Thread(question, selected, licence, [w.author(p) for p in [question, *selected]],
                  [a for a in answers if a not in selected], "kept" if selected else "too_few_answers",
                  accepted.id if accepted else None)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _xml(root: str, rows: list[dict]) -> bytes:
    element = ET.Element(root)
    element.text = "\n  "
    for attrs in rows:
        ET.SubElement(element, "row", attrs).tail = "\n  "
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8",
                                                                    xml_declaration=False) + b"\n"
