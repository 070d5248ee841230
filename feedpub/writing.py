"""Stage 4: feed documents -> files, all or nothing.

Every changed feed is first written in full to a temporary file beside its target (as soon
as it is ready: see Staging), then all are renamed into place. A failure before the renames
leaves every old feed untouched and no temporary file behind. Files whose bytes would not
change are not touched at all, so their mtime (and the HTTP Last-Modified a server derives
from it) stays put.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from feedpub.errors import OutputError
from feedpub.planning import FeedDocument

TEMP_PREFIX = ".feedpub-"


def changed_paths(out_dir: Path, documents: Sequence[FeedDocument]) -> tuple[str, ...]:
    """Relative paths whose file is missing or differs from the document (what `build --check` reports)."""
    _refuse_duplicates(documents)
    return tuple(d.relpath for d in documents if not _holds(out_dir / d.relpath, d.data))


class Staging:
    """Feeds written in full to temporary files beside their targets as each is ready, then
    renamed into place together by commit(): a build stages its section feeds while its
    workers still make the others (the waits on the disk off its critical path), and a
    failure before commit() leaves every old feed untouched and no temporary file behind.
    Documents whose file already holds their bytes are left alone."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.staged: list[tuple[Path, Path, str]] = []  # temporary file, target, relpath
        self.seen: set[str] = set()
        self.committed = False

    def __enter__(self) -> Staging:
        _remove_leftovers(self.out_dir)
        return self

    def add(self, document: FeedDocument) -> None:
        if document.relpath in self.seen:
            raise OutputError(f"two feeds would be written to {document.relpath}")
        self.seen.add(document.relpath)
        target = self.out_dir / document.relpath
        if not _holds(target, document.data):
            with self._as_output_error():
                self.staged.append((_stage(target, document.data), target, document.relpath))

    def commit(self) -> tuple[str, ...]:
        """Rename every staged file into place; the relative paths written, in the order added."""
        with self._as_output_error():
            for temporary, target, _ in self.staged:
                os.replace(temporary, target)
        self.committed = True
        return tuple(relpath for _, _, relpath in self.staged)

    def __exit__(self, *exception: object) -> None:
        if not self.committed:  # after commit() no temporary file is left to remove
            for temporary, _target, _relpath in self.staged:
                temporary.unlink(missing_ok=True)
            _remove_leftovers(self.out_dir)  # also one staged when the failure struck, before it was listed

    @contextlib.contextmanager
    def _as_output_error(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise OutputError(f"cannot write feeds to {self.out_dir}: {exc.strerror or exc}{where}") from exc


def _stage(target: Path, data: bytes) -> Path:
    """Write data to a new temporary file in target's folder, flushed to disk, and return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _remove_leftovers(out_dir: Path) -> None:
    """Delete temporary files a killed earlier build may have left (ours only, by prefix)."""
    if out_dir.is_dir():
        for leftover in out_dir.rglob(f"{TEMP_PREFIX}*.tmp"):
            leftover.unlink(missing_ok=True)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file holds exactly data; sizes first, so a changed feed is seldom read."""
    try:
        with path.open("rb") as stream:
            return os.fstat(stream.fileno()).st_size == len(data) and stream.read() == data
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _refuse_duplicates(documents: Sequence[FeedDocument]) -> None:
    seen: set[str] = set()
    for document in documents:
        if document.relpath in seen:
            raise OutputError(f"two feeds would be written to {document.relpath}")
        seen.add(document.relpath)
