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
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from feedpub import __version__
from feedpub.caching import (
    RACY_NS,
    ArticleKey,
    ArticleRow,
    BuildCache,
    CachedArticle,
    ClashKey,
    LastBuild,
    article_row,
    clash_key,
    find_clashes,
    fingerprint,
    key_of,
)
from feedpub.errors import ContentErrors, InvalidFeedOutput, Level, Problem
from feedpub.sources import Listing, SourceFile, list_tree
from feedpub.workers import Workers

# Heavy modules (YAML, Markdown, feedgen, lxml) are imported where they are used, so the no-op
# rebuild, which only stats files and reads the cache, starts in a fraction of the time.
if TYPE_CHECKING:
    from feedpub.loading import Settings
    from feedpub.planning import EntryXml, FeedDocument, FeedFrame, FeedPlan

# Worker processes pay off only past this much work (measured: fork + transfer ~20 ms).
PARALLEL_PARSE_MIN = 400
PARALLEL_FEEDS_MIN = 6
PARSE_CHUNK = 250
CLASH_LOOKUPS_MAX = 32  # beyond this many changed articles, one pass over all rows is cheaper
FEED_SIZE_WARNING = 2_000_000
# What making feeds imports: loaded before the workers fork, so they share it instead of each importing it.
_FEED_STAGE = ("feedpub.building", "feedpub.validating")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did, for the CLI to report."""

    feed_count: int
    changed: tuple[str, ...]
    warnings: tuple[Problem, ...]
    article_count: int
    links: str  # autodiscovery <link> tags for the site's own pages
    reused: bool = False  # nothing had changed since the last build: no work was done


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
    with _collector_paused():
        listing = list_tree(content_dir)
        settings_fingerprint = fingerprint(__version__, *(_read_or_missing(p) for p in listing.index_files))
        folders = _group_by_folder(listing.sources)
        digests = sorted((name, folder.digest) for name, folder in folders.items())
        inputs = fingerprint(settings_fingerprint, digests, listing.problems)
        cache, cache_problems = _open_cache(cache_dir, settings_fingerprint)
        workers = Workers(jobs, preload=_FEED_STAGE)
        try:
            if cache.persistent:
                reused = _reuse_last_build(cache, folders, inputs, out_dir, now)
                if reused is not None:
                    return reused
            result = _build(listing, settings_fingerprint, inputs, folders, cache, workers, out_dir, now, write)
            return dataclasses.replace(result, warnings=cache_problems + result.warnings)
        finally:
            workers.close()
            cache.close()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Run without the cyclic garbage collector, which resumes (if it was on) when the build ends.

    A build makes hundreds of thousands of small objects and next to no reference cycles (a
    10k-article build leaves 28 cyclic objects): the collector would walk the growing heap
    again and again for nothing (a 100k no-op rebuild went from 0.945 s to 0.914 s without it).
    Reference counting still frees the rest as it goes. Workers forked meanwhile inherit the
    pause, so they neither walk the objects they inherit nor copy their pages by touching them.

    What the build leaves alive (modules it imported, caches) has piled up in the youngest
    generation meanwhile: it goes to the oldest, where survivors end up anyway, so the first
    collection after the build does not walk it all (8 to 10 ms after a one-article rebuild).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():  # unfreeze() would also release what a caller froze
                gc.freeze()
                gc.unfreeze()  # back from the permanent generation into the oldest
            gc.enable()


class _Folder(NamedTuple):
    """One section folder's article files, as listed."""

    digest: str  # of its files' paths and identities: unchanged, none needs comparing one by one
    sources: list[SourceFile]
    newest_ns: int  # the latest modification time among its files (see RACY_NS)


def _group_by_folder(sources: Sequence[SourceFile]) -> dict[str, _Folder]:
    """The listed files by section folder, in listing order."""
    grouped: dict[str, list[SourceFile]] = {}
    for source in sources:
        grouped.setdefault(source.section, []).append(source)
    return {
        name: _Folder(
            fingerprint([(source.path, source.identity) for source in files]),
            files,
            max(source.identity[3] for source in files),
        )
        for name, files in grouped.items()
    }


def _open_cache(cache_dir: Path | None, settings_fingerprint: str) -> tuple[BuildCache, tuple[Problem, ...]]:
    """The cache only ever saves work: when it cannot be opened, build without it (with one in
    memory, for this build only) and say so."""
    if cache_dir is None:
        return BuildCache.in_memory(settings_fingerprint), ()
    import sqlite3

    try:
        return BuildCache.open(cache_dir, settings_fingerprint), ()
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        warning = Problem(cache_dir, None, None, f"build cache not used ({reason}); building without it", Level.WARNING)
        return BuildCache.in_memory(settings_fingerprint), (warning,)


def _read_or_missing(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"


def _reuse_last_build(
    cache: BuildCache, folders: dict[str, _Folder], inputs: str, out_dir: Path, now: datetime
) -> BuildResult | None:
    """The no-op fast path: same files (by stat), same settings, same published set, outputs untouched."""
    last = cache.last_build()
    if last is None or last.inputs != inputs or not last.valid_from <= now.timestamp() < last.valid_until:
        return None
    if any(folder.newest_ns >= last.built_ns - RACY_NS for folder in folders.values()):
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
    folders: dict[str, _Folder],
    cache: BuildCache,
    workers: Workers,
    out_dir: Path,
    now: datetime,
    write: bool,
) -> BuildResult:
    from feedpub.loading import duplicate_problems, load_settings

    settings, settings_problems = load_settings(listing)
    problems = [*listing.problems, *settings_problems]
    if settings is None:
        raise ContentErrors(tuple(problems))
    # A broken section's articles wait for it.
    loaded = {name: folder for name, folder in folders.items() if settings.has_section(name)}
    article_count = sum(len(folder.sources) for folder in loaded.values())
    cache.use_root(str(listing.root))
    was_clash_free = cache.clash_free()
    # Each section folder's path prefix, exactly as the listing spells its files' paths.
    prefixes = {index.parent.name: str(index.parent) + os.sep for index in listing.index_files[1:]}
    rechecked = _check_articles(loaded, prefixes, settings, cache, workers)
    # Problems and clashes come from the cache, in listing order; a rebuild never loads every row.
    file_problems = list(cache.problems())
    index_clash_keys = None
    if len(rechecked) == article_count == cache.article_count():
        # Every row was made in this build (the first build, or after a reset): they are all in
        # memory already, and grouping them here is faster than asking SQL to. The indexes later
        # builds look clashes up in are made while the workers build the feeds (a sort: ~20 ms
        # at 10k rows, with a vCPU idle if made here); a build stopped first leaves that to the
        # next one (clashes_of makes them when missing).
        clashes = find_clashes(rechecked)
        index_clash_keys = cache.index_clash_keys
    elif was_clash_free and len(rechecked) <= CLASH_LOOKUPS_MAX:
        # When the rows were clash-free before, only the changed ones can clash.
        clashes = cache.clashes_of(path for path, _, _, _ in rechecked)
    else:
        clashes = cache.clashes()
    if not clashes:
        cache.mark_clash_free()
    if file_problems or clashes:
        files = (source for folder in loaded.values() for source in folder.sources)
        order = {source.path: index for index, source in enumerate(files)}
        for _, found in sorted(file_problems, key=lambda row: order[row[0]]):
            problems.extend(found)
        problems.extend(duplicate_problems(sorted(clashes, key=lambda row: order[row[0]])))
    if any(p.level is Level.ERROR for p in problems):
        raise ContentErrors(tuple(problems))

    limits = {section.name: section.feed_items for section in settings.sections}
    selection = cache.selection(now.timestamp(), settings.site.feed_items, limits)
    # A feed is reused when the cache says it would come out the same and its files are exactly
    # as the last build left them: it needs neither bytes nor a write.
    last = cache.last_build()
    previous = last.outputs if last is not None else {}
    from feedpub.discovery import index_page, snippet
    from feedpub.writing import Staging, changed_paths

    with Staging(out_dir) if write else contextlib.nullcontext() as staging:
        built, untouched, plans = _build_feeds(
            settings,
            settings_fingerprint,
            selection.articles,
            cache,
            workers,
            lambda relpath: _stat_matches(out_dir / relpath, previous.get(relpath)),
            store_entries=cache.persistent and write,
            while_waiting=index_clash_keys,
            on_ready=staging.add if staging is not None else None,
        )
        page = index_page(settings.site, plans)
        documents = sorted([*(document for document, _ in built), page], key=lambda d: d.relpath)
        if staging is not None:
            staging.add(page)
            written = set(staging.commit())
            changed = tuple(d.relpath for d in documents if d.relpath in written)
        else:
            changed = changed_paths(out_dir, documents)
    sizes = {relpath: previous[relpath][0] for relpath in untouched} | {d.relpath: len(d.data) for d in documents}
    warnings = tuple(p for p in problems if p.level is Level.WARNING) + tuple(_oversized(out_dir, sizes))
    feed_count = len(documents) + len(untouched) - 1  # the index page is not a feed
    links = snippet(settings.site, plans)
    if cache.persistent and write:
        outputs = {relpath: previous[relpath] for relpath in untouched}
        for document in documents:
            stat = (out_dir / document.relpath).stat()
            outputs[document.relpath] = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        valid_from, valid_until = selection.valid_from, selection.valid_until
        build = LastBuild(inputs, valid_from, valid_until, outputs, warnings, feed_count, selection.published, links)
        shown = {item.path for plan in plans for item in plan.items}
        cache.store_build({d.relpath: fp for d, fp in built}, set(outputs), shown, build)
    return BuildResult(feed_count, changed, warnings, selection.published, links)


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


def _check_articles(
    folders: dict[str, _Folder],
    prefixes: dict[str, str],
    settings: Settings,
    cache: BuildCache,
    workers: Workers,
) -> list[ClashKey]:
    """Parse and check every article whose file changed since the cache saw it; store the results.
    Returns (path, section, slug, id) of the articles checked afresh (section, slug and id None
    for an article with errors).

    Only folders whose digest changed since their rows last matched their files are compared
    file by file (as are folders with a file modified close to that check: see RACY_NS).
    """
    began = time.time_ns()
    states = cache.folder_states()
    checked = [
        name
        for name, folder in folders.items()
        if name not in states or states[name][0] != folder.digest or folder.newest_ns >= states[name][1] - RACY_NS
    ]
    if states.keys() != folders.keys():  # a folder appeared or went, or no states survived (a build stopped midway)
        # Before the new rows go in: on a first build the table is empty, and the scan free.
        cache.forget_folders_except(folders)
    stored = cache.identities(prefixes[name] for name in checked)
    misses: list[SourceFile] = []
    present: set[str] = set()
    for name in checked:
        for source in folders[name].sources:
            present.add(source.path)
            row = stored.get(source.path)
            if row is None or row[0] != source.identity_text or source.identity[3] >= row[1] - RACY_NS:
                misses.append(source)
    # Small chunks keep both workers busy to the end (the last of a few big ones ran alone).
    count = max(workers.jobs * 4, math.ceil(len(misses) / PARSE_CHUNK))
    tasks = [(settings, chunk) for chunk in _chunks(misses, count)]
    rechecked: list[ClashKey] = []
    for rows in workers.map(_parse_chunk, tasks, parallel=len(misses) >= PARALLEL_PARSE_MIN):
        cache.store_articles(rows)
        rechecked.extend(clash_key(row) for row in rows)
    gone = stored.keys() - present
    if gone:
        cache.forget_articles(gone)
    # The checked folders' rows now match their files, as of `began`; the others matched already.
    fresh = set(checked)
    cache.store_folder_states(
        {name: (folders[name].digest, began) if name in fresh else states[name] for name in folders}
    )
    return rechecked


def _chunks(items: Sequence[T], count: int) -> list[Sequence[T]]:
    size = max(1, math.ceil(len(items) / max(count, 1)))
    return [items[start : start + size] for start in range(0, len(items), size)]


def _parse_chunk(task: tuple[Settings, Sequence[SourceFile]]) -> list[ArticleRow]:
    """Worker: check article files, keeping only what selection needs, as rows (cheap to send back)."""
    from feedpub.loading import check_article

    settings, sources = task
    results = []
    for source in sources:
        checked = check_article(source.path, source.section, settings)
        fields = checked.fields
        key = None
        if fields is not None:
            key = ArticleKey(
                source.section,
                fields.slug,
                fields.id,
                fields.date.timestamp(),
                fields.updated.timestamp(),
                fields.draft,
                fields.updated.isoformat(),
            )
        row = article_row(source.path, source.section, source.identity_text, checked.sha256, key, checked.problems)
        results.append(row)
    return results


# --- building feeds -------------------------------------------------------------------------------


class _FeedTask(NamedTuple):
    """One feed to build in a worker: its plan, the items whose entries it makes (the others are
    stored, or made by another feed's task), its fingerprint."""

    settings: Settings
    plan: FeedPlan[CachedArticle]
    make: tuple[str, ...]
    fingerprint: str


def _build_feeds(
    settings: Settings,
    settings_fingerprint: str,
    selected: Sequence[CachedArticle],
    cache: BuildCache,
    workers: Workers,
    untouched: Callable[[str], bool],
    *,
    store_entries: bool,
    while_waiting: Callable[[], object] | None = None,
    on_ready: Callable[[FeedDocument], object] | None = None,
) -> tuple[list[tuple[FeedDocument, str]], set[str], tuple[FeedPlan[Any], ...]]:
    """Build (and validate) the feeds whose inputs changed: (document, fingerprint) pairs.

    Also returns the feeds reused as they are (their fingerprint matches and untouched(relpath)
    says their files are as last built), and every feed's plan. With store_entries, the entries
    made afresh for a feed that passed validation are stored as soon as it is built, while the
    workers make the rest: each is a pure function of its article's bytes and the settings,
    good whatever becomes of this build. while_waiting runs once the feeds are handed to the
    workers (or before they are built here, when there is too little work to share). on_ready
    gets each document as soon as it can be put together (every entry it shows is made) while
    no feed has failed validation: it may be staged, but not published, before the rest.
    """
    from feedpub.planning import EntryXml, plan_selection

    plans = plan_selection(settings.site, settings.sections, selected, lambda article: key_of(article).section)
    cached = cache.feed_fingerprints()
    reused: set[str] = set()
    to_build: list[tuple[FeedPlan[CachedArticle], str]] = []
    for plan in plans:
        # Everything a feed is made of: the program and settings, its place, and its items, each
        # a pure function of its file's path and bytes (and of the settings).
        items = [(article.path, article.sha256) for article in plan.items]
        plan_fingerprint = fingerprint(settings_fingerprint, plan.key, plan.rss_path, plan.atom_path, items)
        paths = (plan.rss_path, plan.atom_path)
        if all(cached.get(path) == plan_fingerprint and untouched(path) for path in paths):
            reused.update(paths)
        else:
            to_build.append((plan, plan_fingerprint))
    wanted = {item.path: item.sha256 for plan, _ in to_build for item in plan.items}
    stored = cache.entries(wanted.items())
    known = {path: EntryXml(rss, atom) for path, (rss, atom) in stored.items()}
    # Each missing entry is made once, by the first feed that shows it. Section feeds come first,
    # so the site feed makes only the entries of sections whose own feeds are reused, and every
    # feed is built at once: the site feed does not wait for the sections' entries.
    tasks: list[_FeedTask] = []
    assigned = set(known)
    for plan, plan_fingerprint in sorted(to_build, key=lambda pair: not pair[0].key):
        make = tuple(item.path for item in plan.items if item.path not in assigned)
        assigned.update(make)
        tasks.append(_FeedTask(settings, plan, make, plan_fingerprint))
    parallel = len(tasks) >= PARALLEL_FEEDS_MIN or workers.started
    waiting: list[tuple[_FeedTask, FeedFrame]] = []  # built, but some of their entries are not made yet
    built: list[tuple[FeedDocument, str]] = []
    errors: list[str] = []
    results = workers.map(_build_plan, tasks, parallel=parallel)
    if while_waiting is not None:
        while_waiting()
    for number, (task, (frame, fresh, plan_errors)) in enumerate(zip(tasks, results, strict=True), 1):
        errors.extend(plan_errors)
        known.update(fresh)
        if store_entries and fresh and not plan_errors:
            cache.store_entries({path: (wanted[path], entry.rss, entry.atom) for path, entry in fresh.items()})
            if parallel and number < len(tasks):
                # While the workers still build feeds, not later: left to SQLite, the checkpoint
                # of a first build's entries (~10 ms) mostly fell on the last store, with the
                # workers done and the whole build waiting on it.
                cache.checkpoint()
        waiting.append((task, frame))
        if errors:
            continue
        still_waiting = []
        for waiting_task, waiting_frame in waiting:
            shown = waiting_task.plan.items
            if not all(item.path in known for item in shown):
                still_waiting.append((waiting_task, waiting_frame))
                continue
            for document in waiting_frame.assemble([known[item.path] for item in shown]):
                built.append((document, waiting_task.fingerprint))
                if on_ready is not None:
                    on_ready(document)
        waiting = still_waiting
    if errors:
        message = "built feeds failed validation, nothing was written:\n  " + "\n  ".join(sorted(errors))
        raise InvalidFeedOutput(message)
    assert not waiting, "every entry a feed shows is stored or made by one of the tasks"
    return built, reused, plans


def _build_plan(task: _FeedTask) -> tuple[FeedFrame, dict[str, EntryXml], list[str]]:
    """Worker: make the entries this feed still lacks (reading those articles again) and its
    frame, and validate what feedgen wrote. An article whose file changed since it was checked
    stops the build."""
    from feedpub.building import build_feed
    from feedpub.loading import parse_again
    from feedpub.planning import newest_update

    settings, plan, make = task.settings, task.plan, set(task.make)
    new = {
        item.path: parse_again(item.path, key_of(item).section, item.sha256, settings)
        for item in plan.items
        if item.path in make
    }
    titles = {section.name: section.title for section in settings.sections}
    updated = newest_update(datetime.fromisoformat(key_of(item).updated_text) for item in plan.items)
    built = build_feed(settings.site, plan, titles, updated, new)
    return built.frame, built.entries, validation_errors(built.generated)


def validation_errors(documents: Iterable[FeedDocument]) -> list[str]:
    """Our own validator's errors for feeds we built: a feed with any is never written."""
    from feedpub.validating import Severity, validate_bytes

    return [
        f"{finding.file}:{finding.line}: {finding.code}: {finding.message}"
        for document in documents
        for finding in validate_bytes(document.data, document.relpath)
        if finding.level is Severity.ERROR
    ]
