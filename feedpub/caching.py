"""A build cache in SQLite: parsed article records, built feeds, and the last build's inputs.

It can make a build cheaper, never different. Every entry is keyed by what it was made from:
an article row by the file's identity (device, inode, size, mtime, ctime) and the SHA-256 of
its bytes; a feed by a fingerprint of everything in it. The whole cache is dropped when the
program version, the settings files or the schema change, and when it cannot be read (a
damaged file is deleted and rebuilt, never trusted). Payloads are JSON, never pickle, so a
planted cache file cannot run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from feedpub import __version__
from feedpub.errors import Level, Problem

SCHEMA = 3
# A file modified this close to when its row was recorded may have changed again within the
# same timestamp tick: such "racy" rows are confirmed by hashing the file (as git does).
RACY_NS = 2_000_000_000

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    path TEXT PRIMARY KEY, identity TEXT NOT NULL, sha256 TEXT NOT NULL, recorded_ns INTEGER NOT NULL,
    section TEXT, slug TEXT, id TEXT, date REAL, updated REAL, draft INTEGER, record TEXT, problems TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feeds (relpath TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, data BLOB NOT NULL);
"""

_ARTICLE_COLUMNS = [
    "path",
    "identity",
    "sha256",
    "recorded_ns",
    "section",
    "slug",
    "id",
    "date",
    "updated",
    "draft",
    "record",
    "problems",
]


@dataclass(frozen=True, slots=True)
class CachedArticle:
    """What parsing one article file produced, as stored: enough to select without decoding."""

    path: str
    identity: str  # feedpub.loading.SourceFile.identity_text
    sha256: str
    key: tuple[str, str, str, float, float, bool] | None  # section, slug, id, date, updated, draft
    record: str | None  # feedpub.model.article_to_json
    problems: tuple[Problem, ...]
    recorded_ns: int = 0


@dataclass(frozen=True, slots=True)
class LastBuild:
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

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

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
                for table in ("articles", "feeds", "meta"):
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

    def articles(self) -> dict[str, CachedArticle]:
        """Every stored article row without its record (records are fetched only for feed items)."""
        rows = self._db.execute(
            "SELECT path, identity, sha256, recorded_ns, section, slug, id, date, updated, draft, problems"
            " FROM articles"
        )
        result = {}
        for path, identity, sha256, recorded_ns, section, slug, id_, date, updated, draft, problems in rows:
            key = (section, slug, id_, date, updated, bool(draft)) if section is not None else None
            decoded = problems_from_json(problems) if problems != "[]" else ()
            result[path] = CachedArticle(path, identity, sha256, key, None, decoded, recorded_ns)
        return result

    def records(self, paths: Iterable[str]) -> dict[str, str]:
        wanted = list(paths)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT path, record FROM articles WHERE path IN ({marks}) AND record IS NOT NULL"  # noqa: S608
            found.update(self._db.execute(query, chunk))
        return found

    def store_articles(self, parsed: Iterable[CachedArticle]) -> None:
        now = time.time_ns()
        rows = [
            (
                a.path,
                a.identity,
                a.sha256,
                now,
                *(a.key or (None,) * 6),
                a.record,
                problems_to_json(a.problems) if a.problems else "[]",
            )
            for a in parsed
        ]
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def prune_articles(self, present: set[str]) -> None:
        """Forget the rows of files that are gone."""
        stored = {path for (path,) in self._db.execute("SELECT path FROM articles")}
        with self._transaction():
            self._db.executemany("DELETE FROM articles WHERE path = ?", [(p,) for p in stored - present])

    # --- feeds and the last build -------------------------------------------------------------

    def feed_fingerprints(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT relpath, fingerprint FROM feeds"))

    def feed_data(self, relpaths: Iterable[str]) -> dict[str, bytes]:
        return {
            relpath: row[0]
            for relpath in relpaths
            if (row := self._db.execute("SELECT data FROM feeds WHERE relpath = ?", (relpath,)).fetchone())
        }

    def store_build(self, built: dict[str, tuple[str, bytes]], present: set[str], last: LastBuild) -> None:
        """Record the feeds built afresh (the rest are already stored) and the build itself."""
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
            self._db.executemany(
                "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?)", [(k, f, d) for k, (f, d) in built.items()]
            )
            stale = {relpath for (relpath,) in self._db.execute("SELECT relpath FROM feeds")} - present
            self._db.executemany("DELETE FROM feeds WHERE relpath = ?", [(relpath,) for relpath in stale])
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
