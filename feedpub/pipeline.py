"""The whole build, stage by stage: list -> load (cached, parallel) -> select -> build and
validate (cached, parallel) -> write.

Each stage lives in its own module; this one decides the order, what is reused from the cache,
what runs in worker processes, and what stops the run. The output never depends on the cache
or the number of workers: a cached build is byte-identical to an uncached one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from feedpub import __version__
from feedpub.caching import RACY_NS, BuildCache, CachedArticle, LastBuild, fingerprint
from feedpub.errors import ContentErrors, InvalidFeedOutput, Level, Problem
from feedpub.sources import Listing, SourceFile, list_tree

# Heavy modules (YAML, Markdown, feedgen, lxml) are imported where they are used, so the no-op
# rebuild, which only stats files and reads the cache, starts in a fraction of the time.
if TYPE_CHECKING:
    from concurrent.futures import Executor

    from feedpub.building import FeedDocument, FeedPlan
    from feedpub.loading import Settings

# Worker processes pay off only past this much work (measured: fork + transfer ~20 ms).
PARALLEL_PARSE_MIN = 400
PARALLEL_FEEDS_MIN = 6
FEED_SIZE_WARNING = 2_000_000

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class BuildResult:
    feed_count: int
    changed: tuple[str, ...]
    warnings: tuple[Problem, ...]
    article_count: int
    links: str  # autodiscovery <link> tags for the site's own pages
    reused: bool = False  # nothing had changed since the last build: no work was done


@dataclass(slots=True)
class _Workers:
    """A process pool started on first use, so small builds never pay for it."""

    jobs: int
    pool: Executor | None = field(default=None)

    def map(self, function: Callable[[T], R], items: Sequence[T], *, parallel: bool) -> Iterator[R]:
        """Results in order, each as soon as it is ready."""
        if not parallel or self.jobs < 2 or len(items) < 2:
            return (function(item) for item in items)
        if self.pool is None:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            self.pool = ProcessPoolExecutor(
                self.jobs, mp_context=get_context("fork"), initializer=_die_with_parent, initargs=(os.getpid(),)
            )
        return self.pool.map(function, items)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _die_with_parent(parent: int) -> None:
    """Worker start-up: exit when the build process dies, even by SIGKILL, instead of lingering."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux); elsewhere workers exit on EOF
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def check_content(content_dir: Path, now: datetime) -> tuple[tuple[Problem, ...], int, int]:
    """Load everything and report; returns (warnings, published count, article count)."""
    from feedpub.loading import load_content

    content, warnings = load_content(content_dir)
    published = sum(1 for a in content.articles if a.is_published(now))
    return warnings, published, len(content.articles)


def build_site(
    content_dir: Path,
    out_dir: Path,
    now: datetime,
    *,
    write: bool = True,
    cache_dir: Path | None = None,
    jobs: int = 1,
) -> BuildResult:
    """Build every feed; with write, replace the changed files in out_dir, all or nothing.

    Raises ContentErrors (bad content) or InvalidFeedOutput (a feed failed our validator)
    before anything is written; OutputError when the output cannot be read or written.
    """
    listing = list_tree(content_dir)
    settings_fingerprint = fingerprint(__version__, *(_read_or_missing(p) for p in listing.index_files))
    inputs = fingerprint(settings_fingerprint, [(s.path, s.identity) for s in listing.sources], listing.problems)
    cache, cache_problems = _open_cache(cache_dir, settings_fingerprint)
    workers = _Workers(jobs)
    try:
        if cache is not None:
            reused = _reuse_last_build(cache, listing, inputs, out_dir, now)
            if reused is not None:
                return reused
        result = _build(listing, settings_fingerprint, inputs, cache, workers, out_dir, now, write)
        return dataclasses.replace(result, warnings=cache_problems + result.warnings)
    finally:
        workers.close()
        if cache is not None:
            cache.close()


def _open_cache(cache_dir: Path | None, settings_fingerprint: str) -> tuple[BuildCache | None, tuple[Problem, ...]]:
    """The cache only ever saves work: when it cannot be opened, build without it and say so."""
    if cache_dir is None:
        return None, ()
    import sqlite3

    try:
        return BuildCache.open(cache_dir, settings_fingerprint), ()
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, (
            Problem(cache_dir, None, None, f"build cache not used ({reason}); building without it", Level.WARNING),
        )


def _read_or_missing(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"


def _reuse_last_build(
    cache: BuildCache, listing: Listing, inputs: str, out_dir: Path, now: datetime
) -> BuildResult | None:
    """The no-op fast path: same files (by stat), same settings, same published set, outputs untouched."""
    last = cache.last_build()
    if last is None or last.inputs != inputs or not last.valid_from <= now.timestamp() < last.valid_until:
        return None
    if any(source.identity[3] >= last.built_ns - RACY_NS for source in listing.sources):
        return None  # a file changed too close to the last build to trust its timestamp
    for relpath, (size, mtime_ns, inode) in last.outputs.items():
        try:
            stat = (out_dir / relpath).stat()
        except OSError:
            return None
        if (stat.st_size, stat.st_mtime_ns, stat.st_ino) != (size, mtime_ns, inode):
            return None
    return BuildResult(last.documents, (), last.warnings, last.published, last.links, reused=True)


def _build(
    listing: Listing,
    settings_fingerprint: str,
    inputs: str,
    cache: BuildCache | None,
    workers: _Workers,
    out_dir: Path,
    now: datetime,
    write: bool,
) -> BuildResult:
    from feedpub.loading import duplicate_problems, load_settings

    settings, settings_problems = load_settings(listing)
    problems = [*listing.problems, *settings_problems]
    if settings is None:
        raise ContentErrors(tuple(problems))
    sources = settings.sources_of(listing)
    articles, fresh = _load_articles(sources, settings, cache, workers)
    for article in articles:
        problems.extend(article.problems)
    problems.extend(duplicate_problems((a.path, a.key[0], a.key[1], a.key[2]) for a in articles if a.key is not None))
    if any(p.level is Level.ERROR for p in problems):
        raise ContentErrors(tuple(problems))

    selected, published, valid_from, valid_until = _select(settings, articles, now.timestamp())
    records = {a.path: a.record for a in fresh if a.record is not None}
    missing = [a.path for a in selected if a.path not in records]
    if missing and cache is not None:
        records.update(cache.records(missing))
    built, reused, plans = _build_feeds(
        settings, settings_fingerprint, [records[a.path] for a in selected], now, cache, workers
    )

    from feedpub.building import FeedDocument, feed_media_type
    from feedpub.discovery import index_page, snippet
    from feedpub.writing import changed_paths, write_documents

    # A reused feed whose file is exactly as the last build left it needs neither bytes nor a write.
    last = cache.last_build() if cache is not None else None
    previous = last.outputs if last is not None else {}
    untouched = {relpath for relpath in reused if _stat_matches(out_dir / relpath, previous.get(relpath))}
    assert cache is not None or not reused
    fetched = cache.feed_data(sorted(set(reused) - untouched)) if cache is not None else {}
    documents = [d for d, _ in built] + [FeedDocument(p, data, feed_media_type(p)) for p, data in fetched.items()]
    documents.append(index_page(settings.site, plans))
    documents.sort(key=lambda d: d.relpath)
    changed = write_documents(out_dir, documents).written if write else changed_paths(out_dir, documents)
    sizes = {relpath: previous[relpath][0] for relpath in untouched} | {d.relpath: len(d.data) for d in documents}
    warnings = tuple(p for p in problems if p.level is Level.WARNING) + tuple(_oversized(out_dir, sizes))
    feed_count = len(documents) + len(untouched) - 1  # the index page is not a feed
    links = snippet(settings.site, plans)
    if cache is not None and write:
        outputs = {relpath: previous[relpath] for relpath in untouched}
        for document in documents:
            stat = (out_dir / document.relpath).stat()
            outputs[document.relpath] = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        build = LastBuild(inputs, valid_from, valid_until, outputs, warnings, feed_count, published, links)
        cache.store_build({d.relpath: (fp, d.data) for d, fp in built}, set(outputs), build)
    return BuildResult(feed_count, changed, warnings, published, links)


def _oversized(out_dir: Path, sizes: dict[str, int]) -> Iterator[Problem]:
    for relpath, size in sorted(sizes.items()):
        if size > FEED_SIZE_WARNING:
            message = (
                f"feed is {size / 1e6:.1f} MB; readers and aggregators refuse feeds of a few MB "
                "(lower feed_items, or shorten the longest articles)"
            )
            yield Problem(out_dir / relpath, None, None, message, Level.WARNING)


def _stat_matches(path: Path, recorded: list[int] | None) -> bool:
    if recorded is None:
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino] == recorded


# --- loading articles ----------------------------------------------------------------------------


def _load_articles(
    sources: Sequence[SourceFile], settings: Settings, cache: BuildCache | None, workers: _Workers
) -> tuple[list[CachedArticle], list[CachedArticle]]:
    """Every article's parse result in listing order, and the ones that were parsed afresh."""
    stored = cache.articles() if cache is not None else {}
    reused: dict[str, CachedArticle] = {}
    misses: list[SourceFile] = []
    for source in sources:
        row = stored.get(source.path)
        if row is not None and row.identity == source.identity_text and source.identity[3] < row.recorded_ns - RACY_NS:
            reused[row.path] = row
        else:
            misses.append(source)
    chunks = _chunks(misses, workers.jobs * 4)
    fresh: list[CachedArticle] = []
    tasks = [(settings, chunk) for chunk in chunks]
    for parsed in workers.map(_parse_chunk, tasks, parallel=len(misses) >= PARALLEL_PARSE_MIN):
        if cache is not None:
            # Store each chunk as it arrives and keep only the slim part: the records of the few
            # articles that make it into a feed are read back later (this keeps 100k builds small).
            cache.store_articles(parsed)
            parsed = [dataclasses.replace(article, record=None) for article in parsed]
        fresh.extend(parsed)
    if cache is not None:
        cache.prune_articles({source.path for source in sources})
    by_path = {**reused, **{a.path: a for a in fresh}}
    return [by_path[s.path] for s in sources], fresh


def _chunks(items: Sequence[T], count: int) -> list[Sequence[T]]:
    size = max(1, math.ceil(len(items) / max(count, 1)))
    return [items[start : start + size] for start in range(0, len(items), size)]


def _parse_chunk(task: tuple[Settings, Sequence[SourceFile]]) -> list[CachedArticle]:
    """Worker: parse article files into slim, JSON-encoded results (cheap to send back)."""
    from feedpub.loading import parse_article
    from feedpub.model import article_to_json

    settings, sources = task
    results = []
    for source in sources:
        parsed = parse_article(source, settings)
        article = parsed.article
        key = None
        record = None
        if article is not None:
            key = (
                article.section,
                article.slug,
                article.id,
                article.date.timestamp(),
                article.updated.timestamp(),
                article.draft,
            )
            record = article_to_json(article)
        results.append(CachedArticle(source.path, source.identity_text, parsed.sha256, key, record, parsed.problems))
    return results


def _select(
    settings: Settings, articles: Iterable[CachedArticle], now: float
) -> tuple[list[CachedArticle], int, float, float]:
    """The articles any feed shows (newest first), how many are published, and the window of
    build times in which that choice stays the same (for the no-op fast path)."""
    published = []
    valid_from, valid_until = -math.inf, math.inf
    for article in articles:
        if article.key is None or article.key[5]:
            continue
        if article.key[3] <= now:
            published.append(article)
            valid_from = max(valid_from, article.key[3])
        else:
            valid_until = min(valid_until, article.key[3])
    from feedpub.model import feed_order

    published.sort(key=lambda a: feed_order(a.key[3], a.key[4], a.key[2]))  # type: ignore[index]
    chosen = {a.path for a in published[: settings.site.feed_items]}
    per_section: dict[str, int] = {}
    limits = {s.name: s.feed_items for s in settings.sections}
    for article in published:
        section = article.key[0]  # type: ignore[index]
        per_section[section] = per_section.get(section, 0) + 1
        if per_section[section] <= limits[section]:
            chosen.add(article.path)
    return [a for a in published if a.path in chosen], len(published), valid_from, valid_until


# --- building feeds -------------------------------------------------------------------------------


def _build_feeds(
    settings: Settings,
    settings_fingerprint: str,
    records: Sequence[str],
    now: datetime,
    cache: BuildCache | None,
    workers: _Workers,
) -> tuple[list[tuple[FeedDocument, str]], dict[str, str], tuple[FeedPlan, ...]]:
    """Build (and validate) the feeds whose inputs changed: (document, fingerprint) pairs.

    Also returns {relpath: fingerprint} of the feeds the cache already holds exactly as they
    would be built now, which are not built again.
    """
    from feedpub.building import plan_feeds
    from feedpub.model import Content, article_from_json

    selected = tuple(article_from_json(record) for record in records)
    record_of = {article.id: record for article, record in zip(selected, records, strict=True)}
    plans = plan_feeds(Content(settings.site, settings.sections, selected), now)
    cached = cache.feed_fingerprints() if cache is not None else {}
    reused: dict[str, str] = {}
    to_build = []
    for plan in plans:
        # Everything a feed is made of: the settings, its place, and its items' full records
        # (each record holds its source file's hash, so any edit to an item changes this).
        items = "\n".join(record_of[article.id] for article in plan.items)
        plan_fingerprint = fingerprint(settings_fingerprint, plan.key, plan.rss_path, items)
        paths = (plan.rss_path, plan.atom_path)
        if all(cached.get(path) == plan_fingerprint for path in paths):
            reused.update(dict.fromkeys(paths, plan_fingerprint))
        else:
            to_build.append((settings, plan, plan_fingerprint))
    built: list[tuple[FeedDocument, str]] = []
    errors: list[str] = []
    for documents, plan_errors, plan_fingerprint in workers.map(
        _build_plan, to_build, parallel=len(to_build) >= PARALLEL_FEEDS_MIN
    ):
        built.extend((document, plan_fingerprint) for document in documents)
        errors.extend(plan_errors)
    if errors:
        raise InvalidFeedOutput("built feeds failed validation, nothing was written:\n  " + "\n  ".join(errors))
    return built, reused, plans


def _build_plan(task: tuple[Settings, FeedPlan, str]) -> tuple[list[FeedDocument], list[str], str]:
    """Worker: render one feed's articles, write it in both formats, and validate both."""
    from feedpub.building import build_plan
    from feedpub.loading import with_body

    settings, plan, plan_fingerprint = task
    titles = {section.name: section.title for section in settings.sections}
    documents = build_plan(settings.site, plan, titles, with_body)
    return list(documents), validation_errors(documents), plan_fingerprint


def validation_errors(documents: Iterable[FeedDocument]) -> list[str]:
    """Our own validator's errors for feeds we built: a feed with any is never written."""
    from feedpub.validating import Severity, validate_bytes

    return [
        f"{finding.file}:{finding.line}: {finding.code}: {finding.message}"
        for document in documents
        for finding in validate_bytes(document.data, document.relpath)
        if finding.level is Severity.ERROR
    ]
