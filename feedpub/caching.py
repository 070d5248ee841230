"""A build cache in SQLite: what checking each article file found, each feed entry made, each
feed's fingerprint, and the last build.

It can make a build cheaper, never different. Every row is keyed by what it was made from:
an article row by the file's identity (device, inode, size, mtime, ctime) and the SHA-256 of
its bytes; an entry by the article's path and SHA-256; a feed by a fingerprint of everything
in it (a feed is reused only while its file is as the last build left it). The whole cache is dropped when the
program version, the settings files or the schema change, and when it cannot be read (a
damaged file is deleted and rebuilt, never trusted). Payloads are JSON, never pickle, so a
planted cache file cannot run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from feedpub import __version__
from feedpub.errors import Level, Problem

SCHEMA = 9
# A file modified this close to when its row was recorded may have changed again within the
# same timestamp tick: such "racy" rows are confirmed by hashing the file (as git does).
RACY_NS = 2_000_000_000

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    path TEXT PRIMARY KEY, folder TEXT NOT NULL, identity TEXT NOT NULL, sha256 TEXT NOT NULL,
    recorded_ns INTEGER NOT NULL,
    section TEXT, slug TEXT, id TEXT, date REAL, updated REAL, draft INTEGER, updated_text TEXT,
    problems TEXT NOT NULL
);
-- Published articles newest first within a section (model.feed_order): each section's feed, its
-- count and its next scheduled article are short scans of this index, never of the table.
CREATE INDEX IF NOT EXISTS articles_by_section_newest ON articles (section, draft, date DESC, updated DESC, id);
-- The few rows with problems, without a pass over the rest.
CREATE INDEX IF NOT EXISTS articles_with_problems ON articles (path) WHERE problems != '[]';
CREATE TABLE IF NOT EXISTS entries (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, rss BLOB NOT NULL, atom BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (relpath TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
"""

_ARTICLE_COLUMNS = [
    "path",
    "folder",
    "identity",
    "sha256",
    "recorded_ns",
    "section",
    "slug",
    "id",
    "date",
    "updated",
    "draft",
    "updated_text",
    "problems",
]


class ArticleKey(NamedTuple):
    """What choosing and ordering feed items needs from an article, and what must be unique."""

    section: str
    slug: str
    id: str
    date: float  # timestamps, for ordering
    updated: float
    draft: bool
    updated_text: str  # ISO 8601 with the article's own offset, as feeds show it


class CachedArticle(NamedTuple):
    """What parsing one article file produced, as stored: enough to check it and to choose the
    feeds' items. The record itself is not kept: the few articles a changed feed shows are
    parsed again from their files (whose hash must still match) when that feed is built.

    A named tuple rather than a dataclass: ten thousand of them cross from the workers per
    cold build, and tuples are several times cheaper to pickle and unpickle.
    """

    path: str
    folder: str  # the section folder the file is in (key.section, for a file without errors)
    identity: str  # feedpub.sources.SourceFile.identity_text
    sha256: str
    key: ArticleKey | None  # None when the file has errors
    problems: tuple[Problem, ...]


# One checked article as stored, and as it crosses from a worker process: (path, folder,
# identity, sha256, the seven ArticleKey fields or seven Nones, problems as JSON). A plain tuple
# of plain values: ten thousand cross per cold build, and named tuples cost five times as much
# to pickle and unpickle.
ArticleRow = tuple[
    str, str, str, str, str | None, str | None, str | None, float | None, float | None, bool | None, str | None, str
]
_NO_KEY = (None,) * len(ArticleKey._fields)
_ROW_COLUMNS = [column for column in _ARTICLE_COLUMNS if column != "recorded_ns"]
_INSERT_ARTICLE = (
    f"INSERT OR REPLACE INTO articles ({', '.join(_ROW_COLUMNS)}, recorded_ns) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(_ROW_COLUMNS))}, ?)"
)


def article_row(
    path: str, folder: str, identity: str, sha256: str, key: ArticleKey | None, problems: tuple[Problem, ...]
) -> ArticleRow:
    """The row for one checked article (key None when the file has errors)."""
    return (path, folder, identity, sha256, *(key or _NO_KEY), problems_to_json(problems) if problems else "[]")


class Selection(NamedTuple):
    """The feeds' items, newest first; how many articles are published; and the window of build
    times in which that choice stays the same (for the no-op fast path)."""

    articles: tuple[CachedArticle, ...]
    published: int
    valid_from: float
    valid_until: float


def _article(
    path: str,
    folder: str,
    identity: str,
    sha256: str,
    section: str | None,
    slug: str,
    id_: str,
    date: float,
    updated: float,
    draft: int,
    updated_text: str,
    problems: str,
) -> CachedArticle:
    key = ArticleKey(section, slug, id_, date, updated, bool(draft), updated_text) if section is not None else None
    decoded = problems_from_json(problems) if problems != "[]" else ()
    return CachedArticle(path, folder, identity, sha256, key, decoded)


_CLASHES = """
SELECT path, section, slug, id FROM articles
WHERE (section, slug) IN (SELECT section, slug FROM articles WHERE section IS NOT NULL
                          GROUP BY section, slug HAVING count(*) > 1)
   OR id IN (SELECT id FROM articles WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1)
"""
_IDENTITIES_IN_RANGE = "SELECT path, identity, recorded_ns FROM articles WHERE path >= ? AND path < ?"
_SAME_SLUG_OR_ID = "SELECT path, section, slug, id FROM articles WHERE (section = ? AND slug = ?) OR id = ?"
_ID_INDEX = "CREATE INDEX IF NOT EXISTS articles_by_id ON articles (id)"
_SLUG_INDEX = "CREATE INDEX IF NOT EXISTS articles_by_slug ON articles (section, slug)"
_PUBLISHED_COUNT = "SELECT count(*), max(date) FROM articles WHERE section = ? AND draft = 0 AND date <= ?"
_NEXT_SCHEDULED = "SELECT min(date) FROM articles WHERE section = ? AND draft = 0 AND date > ?"
# Newest first, ties broken by update time then id (text compares by code point, as in Python).
_NEWEST_IN_SECTION = f"""
SELECT {", ".join(column for column in _ARTICLE_COLUMNS if column != "recorded_ns")} FROM articles
WHERE section = ? AND draft = 0 AND date <= ?
ORDER BY date DESC, updated DESC, id LIMIT ?
"""  # noqa: S608


# (path, section, slug, id) of an article: what must be unique (section, slug and id are None
# for an article with errors).
ClashKey = tuple[str, str | None, str | None, str | None]


def clash_key(row: ArticleRow) -> ClashKey:
    return row[0], row[4], row[5], row[6]


def find_clashes(articles: Sequence[ClashKey]) -> list[tuple[str, str, str, str]]:
    """As BuildCache.clashes(), over articles in memory: every article sharing its slug (in its
    section) or its id with another, in the order given."""
    by_slug = Counter((section, slug) for _, section, slug, _ in articles if section is not None)
    by_id = Counter(article_id for _, section, _, article_id in articles if section is not None)
    return [
        (path, section, slug, article_id)
        for path, section, slug, article_id in articles
        if section is not None
        and slug is not None
        and article_id is not None
        and (by_slug[section, slug] > 1 or by_id[article_id] > 1)
    ]


def key_of(article: CachedArticle) -> ArticleKey:
    """The key of an article chosen for a feed (only articles without errors have one)."""
    assert article.key is not None
    return article.key


class LastBuild(NamedTuple):
    """The inputs of the last successful build and what it wrote, for the no-op fast path."""

    inputs: str
    valid_from: float
    valid_until: float
    outputs: dict[str, list[int]]  # relpath -> [size, mtime_ns, inode]
    warnings: tuple[Problem, ...]
    documents: int
    published: int
    links: str = ""
    built_ns: int = 0


def problems_to_json(problems: Iterable[Problem]) -> str:
    return json.dumps([[str(p.path), p.line, p.field, p.message, p.level.value] for p in problems], ensure_ascii=False)


def problems_from_json(text: str) -> tuple[Problem, ...]:
    return tuple(
        Problem(Path(path), line, name, message, Level(level)) for path, line, name, message, level in json.loads(text)
    )


class BuildCache:
    """One SQLite file. Open with BuildCache.open(); any read failure drops the cache."""

    def __init__(self, path: Path | None, connection: sqlite3.Connection) -> None:
        self.path = path  # None: in memory, for one build only
        self._db = connection

    @classmethod
    def in_memory(cls, settings_fingerprint: str) -> BuildCache:
        """A cache for one build (--no-cache): the same tables and queries, nothing kept."""
        cache = cls(None, sqlite3.connect(":memory:", isolation_level=None))
        cache._prepare(settings_fingerprint)
        return cache

    @property
    def persistent(self) -> bool:
        return self.path is not None

    @classmethod
    def open(cls, directory: Path, settings_fingerprint: str) -> BuildCache:
        """Open (or create) the cache, emptied if it was made by another version or other settings."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "feedpub.sqlite"
        for attempt in range(2):
            try:
                cache = cls(path, sqlite3.connect(path, timeout=30, isolation_level=None))
                cache._prepare(settings_fingerprint)
                return cache
            except sqlite3.DatabaseError:
                # Damaged or not a database at all: delete it and start again, once.
                with contextlib.suppress(OSError):
                    path.unlink()
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _prepare(self, settings_fingerprint: str) -> None:
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        expected = {"schema": str(SCHEMA), "version": __version__, "settings": settings_fingerprint}
        try:
            stored = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'version', 'settings')"))
        except sqlite3.OperationalError:  # a new file, or one from before the meta table
            stored = {}
        columns = [row[1] for row in db.execute("PRAGMA table_info(articles)")]
        if stored != expected or columns != _ARTICLE_COLUMNS:
            # Another version, other settings or another schema: start from empty tables.
            with self._transaction():
                for table in ("articles", "entries", "feeds", "meta"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in filter(str.strip, _TABLES.split(";")):
                    db.execute(statement)
                db.executemany("INSERT INTO meta VALUES (?, ?)", expected.items())
        db.execute("SELECT count(*) FROM articles").fetchone()  # fails now, not later, on a damaged file

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # --- articles ---------------------------------------------------------------------------

    def identities(self, prefixes: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Each stored article's file identity and when its row was recorded, by path, for the
        articles whose path starts with one of these folder prefixes (a range of the primary key)."""
        found: dict[str, tuple[str, int]] = {}
        for prefix in prefixes:
            # Every path starting with the prefix sorts in [prefix, prefix with its last character + 1).
            end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            rows = self._db.execute(_IDENTITIES_IN_RANGE, (prefix, end))
            found.update((path, (identity, recorded)) for path, identity, recorded in rows)
        return found

    def use_root(self, root: str) -> None:
        """Rows are keyed by file paths as the listing spells them: when the content folder is
        named another way (relative, absolute, through a link), start the article rows afresh
        rather than keep rows no path will match again."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'root'").fetchone()
        if row is not None and row[0] == root:
            return
        with self._transaction():
            self._db.execute("DELETE FROM articles")
            self._db.execute("DELETE FROM entries")
            self._db.execute("DELETE FROM meta WHERE key IN ('folders', 'clash_free')")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('root', ?)", (root,))

    def folder_states(self) -> dict[str, tuple[str, int]]:
        """Section folders whose rows match their files: folder -> (digest of the files' paths
        and identities, when the check that made them match began)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'folders'").fetchone()
        try:
            return {folder: (digest, int(began)) for folder, (digest, began) in json.loads(row[0]).items()}
        except (AttributeError, TypeError, ValueError):
            return {}  # none recorded, or unreadable: every folder is checked

    def store_folder_states(self, states: dict[str, tuple[str, int]]) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('folders', ?)", (json.dumps(states),))

    def forget_folders_except(self, folders: Iterable[str]) -> None:
        """Forget the rows of section folders that are gone, and the record of which folders'
        rows match their files: until the build records it anew, no folder is vouched for (one
        stopped midway would otherwise leave a record vouching for rows no longer there)."""
        kept = list(folders)
        marks = ",".join("?" * len(kept))
        with self._transaction():
            self._db.execute(f"DELETE FROM articles WHERE folder NOT IN ({marks})", kept)  # noqa: S608
            self._db.execute("DELETE FROM meta WHERE key = 'folders'")

    def problems(self) -> Iterator[tuple[str, tuple[Problem, ...]]]:
        """(path, problems) of the articles that have any."""
        for path, problems in self._db.execute("SELECT path, problems FROM articles WHERE problems != '[]'"):
            yield path, problems_from_json(problems)

    def article_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def clashes(self) -> list[tuple[str, str, str, str]]:
        """(path, section, slug, id) of every article sharing its slug (in its section) or its id."""
        return list(self._db.execute(_CLASHES))

    def clashes_of(self, paths: Iterable[str]) -> list[tuple[str, str, str, str]]:
        """As clashes(), for a table that was clash-free before the rows at these paths changed:
        only those rows can clash, so only their slugs and ids are looked up."""
        self.index_clash_keys()  # a cache made before they were: once
        found: dict[str, tuple[str, str, str, str]] = {}
        for path in paths:
            row = self._db.execute("SELECT section, slug, id FROM articles WHERE path = ?", (path,)).fetchone()
            if row is None or row[0] is None:
                continue  # gone, or has errors (no key)
            same = self._db.execute(_SAME_SLUG_OR_ID, row).fetchall()
            if len(same) > 1:
                found.update((clash[0], clash) for clash in same)
        return list(found.values())

    def index_clash_keys(self) -> None:
        """Index the slugs and ids, so a rebuild looks a changed article's up instead of passing
        over the whole table (2 to 4 ms at 10k rows). Made once the first build's rows are in:
        a sort then (16 ms at 10k rows, 0.18 s at 100k), where keeping them up to date row by
        row during the inserts cost 50 ms at 10k; the first build finds its clashes in memory."""
        self._db.execute(_ID_INDEX)
        self._db.execute(_SLUG_INDEX)

    def clash_free(self) -> bool:
        """True when the rows were checked for clashes, none found, and none stored since."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'clash_free'").fetchone()
        return row is not None and row[0] == "1"

    def mark_clash_free(self) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('clash_free', '1')")

    def selection(self, now: float, site_items: int, section_items: dict[str, int]) -> Selection:
        """The articles any feed shows, newest first (model.feed_order), chosen in SQL so a
        rebuild never loads every row: the newest site_items published articles, and the newest
        section_items[section] of each section. The site's newest are among its sections' newest
        site_items, so one short index scan per section finds everything."""
        from feedpub.model import feed_order  # not at the top: the no-op rebuild never needs the records

        published = 0
        newest = -math.inf
        next_date = math.inf
        candidates: list[CachedArticle] = []
        for section, items in section_items.items():
            count, latest = self._db.execute(_PUBLISHED_COUNT, (section, now)).fetchone()
            (scheduled,) = self._db.execute(_NEXT_SCHEDULED, (section, now)).fetchone()
            published += count
            newest = max(newest, latest if latest is not None else -math.inf)
            next_date = min(next_date, scheduled if scheduled is not None else math.inf)
            rows = self._db.execute(_NEWEST_IN_SECTION, (section, now, max(items, site_items)))
            candidates.extend(_article(*row) for row in rows)

        def newest_first(article: CachedArticle) -> tuple[float, float, str]:
            key = key_of(article)
            return feed_order(key.date, key.updated, key.id)

        candidates.sort(key=newest_first)
        chosen = {article.path for article in candidates[:site_items]}
        shown: dict[str, int] = {}
        for article in candidates:
            section = key_of(article).section
            shown[section] = shown.get(section, 0) + 1
            if shown[section] <= section_items[section]:
                chosen.add(article.path)
        return Selection(tuple(a for a in candidates if a.path in chosen), published, newest, next_date)

    def store_articles(self, rows: Iterable[ArticleRow]) -> None:
        """Store checked articles (article_row), recorded as of now."""
        now = time.time_ns()
        with self._transaction():
            # New rows may clash with old ones: until they are checked, the table is not known clash-free;
            # nor do the folders' rows match their files until the whole check is done.
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('clash_free', '0')")
            self._db.execute("DELETE FROM meta WHERE key = 'folders'")
            self._db.executemany(_INSERT_ARTICLE, ((*row, now) for row in rows))

    def forget_articles(self, paths: Iterable[str]) -> None:
        """Forget the rows of files that are gone (and, as forget_folders_except, the folders'
        record)."""
        with self._transaction():
            self._db.executemany("DELETE FROM articles WHERE path = ?", [(path,) for path in paths])
            self._db.execute("DELETE FROM meta WHERE key = 'folders'")

    # --- feeds and the last build -------------------------------------------------------------

    def feed_fingerprints(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT relpath, fingerprint FROM feeds"))

    def entries(self, items: Iterable[tuple[str, str]]) -> dict[str, tuple[bytes, bytes]]:
        """The stored (RSS, Atom) entries of these (path, sha256) items, where the hash still matches."""
        wanted = dict(items)
        found: dict[str, tuple[bytes, bytes]] = {}
        paths = list(wanted)
        for start in range(0, len(paths), 500):
            chunk = paths[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT path, sha256, rss, atom FROM entries WHERE path IN ({marks})"  # noqa: S608
            for path, sha256, rss, atom in self._db.execute(query, chunk):
                if wanted[path] == sha256:
                    found[path] = (rss, atom)
        return found

    def store_entries(self, entries: dict[str, tuple[str, bytes, bytes]]) -> None:
        """Store entries made afresh: path -> (sha256 of the article's bytes, RSS item, Atom entry)."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                [(path, sha256, rss, atom) for path, (sha256, rss, atom) in entries.items()],
            )

    def checkpoint(self) -> None:
        """Copy what the write-ahead log holds into the database file now, at a moment that suits
        the caller, rather than at whichever commit takes the log past SQLite's threshold."""
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def store_build(self, built: dict[str, str], present: set[str], shown: set[str], last: LastBuild) -> None:
        """Record the fingerprints of the feeds built, forget the feeds no longer present and the
        entries no longer shown, and record the build itself."""
        record = json.dumps(
            {
                "inputs": last.inputs,
                "valid_from": last.valid_from,
                "valid_until": last.valid_until,
                "outputs": last.outputs,
                "warnings": problems_to_json(last.warnings),
                "documents": last.documents,
                "published": last.published,
                "links": last.links,
                "built_ns": time.time_ns(),
            }
        )
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO feeds VALUES (?, ?)", list(built.items()))
            stale = {relpath for (relpath,) in self._db.execute("SELECT relpath FROM feeds")} - present
            self._db.executemany("DELETE FROM feeds WHERE relpath = ?", [(relpath,) for relpath in stale])
            gone = {path for (path,) in self._db.execute("SELECT path FROM entries")} - shown
            self._db.executemany("DELETE FROM entries WHERE path = ?", [(path,) for path in gone])
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('last_build', ?)", (record,))

    def last_build(self) -> LastBuild | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'last_build'").fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
            return LastBuild(
                data["inputs"],
                data["valid_from"],
                data["valid_until"],
                data["outputs"],
                problems_from_json(data["warnings"]),
                data["documents"],
                data["published"],
                data["links"],
                data["built_ns"],
            )
        except (KeyError, TypeError, ValueError):
            return None  # unreadable: as if there were no last build


def fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()
