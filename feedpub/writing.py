"""Stage 4: feed documents -> files, all or nothing.

Every changed feed is first written in full to a temporary file beside its target, then all
are renamed into place. A failure before the renames leaves every old feed untouched and no
temporary file behind. Files whose bytes would not change are not touched at all, so their
mtime (and the HTTP Last-Modified a server derives from it) stays put.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from feedpub.errors import OutputError
from feedpub.planning import FeedDocument

TEMP_PREFIX = ".feedpub-"


class WriteReport(NamedTuple):
    """Which feeds were replaced and which already held exactly these bytes."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]


def changed_paths(out_dir: Path, documents: Sequence[FeedDocument]) -> tuple[str, ...]:
    """Relative paths whose file is missing or differs from the document (what `build --check` reports)."""
    _refuse_duplicates(documents)
    return tuple(d.relpath for d in documents if not _holds(out_dir / d.relpath, d.data))


def write_documents(out_dir: Path, documents: Sequence[FeedDocument]) -> WriteReport:
    changed = set(changed_paths(out_dir, documents))
    _remove_leftovers(out_dir)
    staged: list[tuple[Path, Path]] = []
    try:
        for document in documents:
            if document.relpath in changed:
                target = out_dir / document.relpath
                staged.append((_stage(target, document.data), target))
        for temporary, target in staged:
            os.replace(temporary, target)
    except BaseException as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        _remove_leftovers(out_dir)  # also one staged when the failure struck, before it was listed
        if isinstance(exc, OSError):
            where = f" ({exc.filename})" if exc.filename else ""
            raise OutputError(f"cannot write feeds to {out_dir}: {exc.strerror or exc}{where}") from exc
        raise
    written = tuple(d.relpath for d in documents if d.relpath in changed)
    unchanged = tuple(d.relpath for d in documents if d.relpath not in changed)
    return WriteReport(written, unchanged)


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
