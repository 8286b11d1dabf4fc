"""Stack Exchange dumps (`Posts.xml`, with `Users.xml` beside it for the authors' names) into documents: one per
question, with its accepted answer and the answers scoring at least `min_score`, the post's HTML as text with code
blocks kept verbatim, under the CC BY-SA version the posts' revisions imply (docs/sources.md, "Stack Exchange").

A dump lists posts in id order, and a question's answers may come long after it, or before it (answers moved by a
merge of questions): the posts are streamed into a temporary SQLite file on the executor's disk and each question is
read back with its answers, so that memory holds one question's thread at a time, whatever the dump's size."""

import json
import posixpath
import re
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, Field
from resiliparse.extract.html2text import extract_plain_text

from licenses.dated import Schedule
from licenses.spdx import spdx_id
from pipeline.accounting import Stats
from pipeline.readers.sources.rows import document
from pipeline.readers.sources.spec import Piece, Source
from pipeline.storage.locations import BadInput, InputMissing
from pipeline.storage.sniff import decompressed

DERIVES_LICENSE = True
SUFFIXES = tuple(f"posts.xml{ext}" for ext in ("", ".bz2", ".gz", ".zst", ".xz"))  # in a folder: its Posts.xml
# Content contributed before 2011-04-08 (UTC) is under CC BY-SA 2.5, from then to before 2018-05-02 under 3.0, from
# then on under 4.0; an edit is a new version under the licence of its own date
# (https://stackoverflow.com/help/licensing; https://meta.stackexchange.com/q/347758).
LICENSES = Schedule("CC-BY-SA-2.5", ((datetime(2011, 4, 8, tzinfo=UTC), "CC-BY-SA-3.0"),
                                     (datetime(2018, 5, 2, tzinfo=UTC), "CC-BY-SA-4.0")))
QUESTION, ANSWER = 1, 2  # PostTypeId; the others are tag wikis, moderator nominations, wiki placeholders...
# The hosts of the network's sites, to find a site's address in a dump's path (cooking.stackexchange.com.7z)
SITE_IN_PATH = re.compile(r"(?<![\w.-])((?:[a-z0-9-]+\.)*(?:stackexchange\.com|stackoverflow\.com|serverfault\.com|"
                          r"superuser\.com|askubuntu\.com|mathoverflow\.net|stackapps\.com))(?![\w.])")
TAGS = re.compile(r"[^|<>]+")  # "|pans|braising|" in newer dumps, "<pans><braising>" in older ones
POST_FIELDS = ("id", "type", "parent", "accepted", "created", "score", "title", "body", "owner", "owner_name",
               "license", "tags")


class Options(BaseModel):
    """How a thread becomes a document (docs/sources.md, "Stack Exchange")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: str | None = Field(None, pattern=r"^https?://[^/]+$")  # else found in the dump's path
    # An answer's score is its up-votes less its down-votes, 0 until someone votes: from 1, at least one more
    # reader found it useful than found it wrong. The accepted answer is kept whatever its score.
    min_score: int = 1
    min_answers: int = Field(1, ge=0)  # a question with fewer answers kept is dropped (`too_few_answers`)


class NoSite(BadInput):
    """A dump whose site is neither in the source file nor in its path."""


def documents(piece: Piece, source: Source, stats: Stats) -> Iterator[dict]:
    """A dump's questions with their answers; every question read is a record (its answers are part of it), and
    every post outside a question (answers without one, tag wikis and other kinds) a record dropped."""
    options: Options = source.options
    site = options.site or site_of(piece.location)
    with tempfile.TemporaryDirectory(prefix="curate-stackexchange-") as folder, \
            closing(sqlite3.connect(Path(folder) / "posts.sqlite")) as db:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                         f"CREATE TABLE posts ({', '.join(POST_FIELDS)}, PRIMARY KEY (id));"
                         "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
        with piece.open() as raw:
            _load_posts(decompressed(raw), piece.name, db, stats)
        _load_users(piece, db)
        db.execute("CREATE INDEX answers ON posts (parent, score)")
        yield from _threads(db, piece.name, source, site, stats)
        orphans = db.execute("SELECT count(*) FROM posts AS a WHERE type = ? AND NOT EXISTS "
                             "(SELECT 1 FROM posts AS q WHERE q.id = a.parent AND q.type = ?)",
                             (ANSWER, QUESTION)).fetchone()[0]
        if orphans:
            stats.drop("answer_without_question", orphans)


def site_of(location: str) -> str:
    """The address of the site a dump's path names (`.../cooking.stackexchange.com/Posts.xml`)."""
    found = SITE_IN_PATH.findall(location.lower())
    if not found:
        raise NoSite(f"{location}: no Stack Exchange site in the path: give the site's address as `options: "
                     "{site: https://....stackexchange.com}` in the source file")
    return f"https://{found[-1]}"


def post_text(html: str) -> str:
    """A post's HTML as text: paragraphs, list items as lines, code blocks verbatim (their indentation, blank
    lines and spaces as written), links and images by their text only."""
    text = extract_plain_text(html, main_content=False, preserve_formatting=True, list_bullets=True,
                              alt_texts=False, links=False)
    return text.strip("\n")


def _load_posts(stream: BinaryIO, name: str, db: sqlite3.Connection, stats: Stats) -> None:
    """Every row of Posts.xml into the table, or counted: a post of another kind dropped, a broken row an error."""
    root, number = None, 0
    try:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                root = element if root is None else root
                continue
            if element.tag != "row":
                continue
            number += 1
            try:
                post = _post(element.attrib)
            except (KeyError, ValueError) as exc:
                problem = f"no {exc.args[0]}" if isinstance(exc, KeyError) else str(exc)
                stats.error("bad_post", f"{name}: row {number} (Id {element.get('Id')}): {problem}")
            else:
                if post is None:
                    stats.drop("other_post_type")
                else:
                    try:
                        db.execute(f"INSERT INTO posts VALUES ({', '.join('?' * len(POST_FIELDS))})", post)
                    except sqlite3.IntegrityError:
                        stats.error("bad_post", f"{name}: row {number}: a second post of Id {post[0]}")
            root.clear()  # the rows read so far, emptied, would otherwise stay children of the root
    except ET.ParseError as exc:
        stats.error("invalid_xml", f"{name}: after row {number}: {exc}")


def _post(row: dict[str, str]) -> tuple | None:
    """A question's or an answer's fields (POST_FIELDS), None for other kinds; KeyError, ValueError when broken."""
    kind = int(row["PostTypeId"])
    if kind not in (QUESTION, ANSWER):
        return None
    created = _date(row["CreationDate"])
    stated = row.get("ContentLicense")
    if stated is None:  # older dumps: the licence of the revision the dump holds, by its date
        license = LICENSES.at(_date(row["LastEditDate"]) if "LastEditDate" in row else created)
    else:
        license = spdx_id(stated)
        if license not in LICENSES.licences:
            raise ValueError(f"ContentLicense {stated!r} is none of {', '.join(LICENSES.licences)}")
    parent = int(row["ParentId"]) if kind == ANSWER else None
    accepted = int(row["AcceptedAnswerId"]) if "AcceptedAnswerId" in row else None
    owner = int(row["OwnerUserId"]) if "OwnerUserId" in row else None
    return (int(row["Id"]), kind, parent, accepted, created.isoformat(), int(row.get("Score", 0)),
            row.get("Title", ""), row.get("Body", ""), owner, row.get("OwnerDisplayName"), license,
            ",".join(TAGS.findall(row.get("Tags", ""))))


def _date(text: str) -> datetime:
    """A dump's timestamp (`2011-04-07T23:59:59.999`, UTC without saying so) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _load_users(piece: Piece, db: sqlite3.Connection) -> None:
    """Users' display names from the Users.xml beside Posts.xml (same compression), when there is one."""
    name = piece.name.replace("Posts", "Users", 1)
    if name == piece.name:
        return
    users = Piece(posixpath.join(posixpath.dirname(piece.location), name), None, piece.retry)
    try:
        raw = users.open()
    except InputMissing:
        return
    with raw:
        root = None
        try:
            for event, element in ET.iterparse(decompressed(raw), events=("start", "end")):
                root = element if root is None else root
                if event == "end" and element.tag == "row" and "Id" in element.attrib:
                    db.execute("INSERT OR REPLACE INTO users VALUES (?, ?)",
                               (int(element.get("Id")), element.get("DisplayName")))
                    root.clear()
        except (ET.ParseError, ValueError) as exc:
            raise BadInput(f"{users.location}: cannot be read as Stack Exchange users ({exc}): mend it, or move it "
                           "away and the authors are named by their user ids") from exc


def _threads(db: sqlite3.Connection, file: str, source: Source, site: str, stats: Stats) -> Iterator[dict]:
    options: Options = source.options
    columns = ", ".join(f"p.{field}" for field in POST_FIELDS)
    posts = f"SELECT {columns}, u.name FROM posts AS p LEFT JOIN users AS u ON u.id = p.owner"
    for question in db.execute(f"{posts} WHERE p.type = ? ORDER BY p.id", (QUESTION,)):
        question = dict(zip((*POST_FIELDS, "user"), question, strict=True))
        answers = [dict(zip((*POST_FIELDS, "user"), row, strict=True)) for row in db.execute(
            f"{posts} WHERE p.type = ? AND p.parent = ? AND (p.id IS ? OR p.score >= ?) "
            "ORDER BY p.id IS ? DESC, p.score DESC, p.id",
            (ANSWER, question["id"], question["accepted"], options.min_score, question["accepted"]))]
        if len(answers) < options.min_answers:
            stats.drop("too_few_answers")
            continue
        yield _document(question, answers, file, source, site)


def _document(question: dict, answers: list[dict], file: str, source: Source, site: str) -> dict:
    """A question and its answers as a document row. Its licence is the newest version of its posts': an
    adaptation of a CC BY-SA work may be shared under a later version (CC BY-SA 2.5 and 3.0, section 4(b);
    4.0, section 3(b)), so the whole can be; each post's own stays in `meta.post_licenses`."""
    posts = [question, *answers]
    text = "\n\n".join([question["title"].strip(), *(post_text(post["body"]) for post in posts)])
    meta = {"dump_file": file, "site": site, "question_id": str(question["id"]),
            "answer_ids": ",".join(str(answer["id"]) for answer in answers), "tags": question["tags"],
            "post_licenses": json.dumps({str(post["id"]): post["license"] for post in posts}),
            "authors": json.dumps([_author(post, site) for post in posts], ensure_ascii=False)}
    return document(source, (site, str(question["id"])), text, meta, url=f"{site}/questions/{question['id']}",
                    date=datetime.fromisoformat(question["created"]),
                    license=source.license or LICENSES.newest(post["license"] for post in posts))


def _author(post: dict, site: str) -> str:
    """Who wrote a post, as Stack Exchange asks re-users to credit them: the name and the profile's address; a
    deleted user by the name the post kept."""
    if post["owner"] is None:
        return post["owner_name"] or "anonymous"
    return f"{post['user'] or post['owner_name'] or 'user ' + str(post['owner'])} ({site}/users/{post['owner']})"
