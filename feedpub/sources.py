"""Finding the content files: settings files and article files, read by stat only.

Kept apart from loading (which parses) so the no-op rebuild, which only needs to know
whether anything changed, never imports a YAML or Markdown library.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from feedpub.errors import Level, Problem

INDEX = "_index.md"
SLUG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.))*")


class SourceFile(NamedTuple):
    """An article file found in the tree, with the stat fields that tell whether it changed.

    A named tuple, not a frozen dataclass: one is made for every file on every build, no-op
    included, and a frozen dataclass sets each field through object.__setattr__.
    """

    path: str
    section: str
    identity: tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns

    @property
    def identity_text(self) -> str:
        device, inode, size, mtime_ns, ctime_ns = self.identity
        return f"{device}:{inode}:{size}:{mtime_ns}:{ctime_ns}"  # as ":".join(map(str, ...)), faster


class Listing(NamedTuple):
    """The content tree's files, found but not yet read: settings files first, then articles."""

    root: Path
    index_files: tuple[Path, ...]
    sources: tuple[SourceFile, ...]
    problems: tuple[Problem, ...]


def _identity(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _visible(directory: Path) -> list[os.DirEntry[str]]:
    """Directory entries in a stable order, hidden files skipped."""
    with os.scandir(directory) as entries:
        return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)


def _escapes(entry: os.DirEntry[str], root: Path) -> bool:
    """True for a symlink that points outside the content folder (only links need resolving)."""
    if not entry.is_symlink():
        return False
    try:
        Path(entry.path).resolve().relative_to(root)
    except ValueError:
        return True
    return False


def list_tree(root: Path) -> Listing:
    """Find the settings files and article files, parsing nothing (cheap: stat calls only)."""
    if not root.is_dir():
        message = "content folder not found (expected a folder with _index.md and one folder per section)"
        return Listing(root, (), (), (Problem(root, None, None, message),))
    resolved_root = root.resolve()
    problems: list[Problem] = []
    index_files = [root / INDEX]
    sources: list[SourceFile] = []
    for entry in _visible(root):
        if entry.name.endswith(".md") and entry.name != INDEX and entry.is_file():
            message = "article outside a section is ignored (expected content/<section>/<slug>.md)"
            problems.append(Problem(Path(entry.path), None, None, message, Level.WARNING))
        if not entry.is_dir() or entry.name.startswith("_"):
            continue
        folder = Path(entry.path)
        if _escapes(entry, resolved_root):
            problems.append(Problem(folder, None, None, "is a link to a folder outside the content folder (refused)"))
            continue
        if not SLUG.fullmatch(entry.name):
            message = "section folder name cannot be a URL segment (expected letters, digits, '-', '_')"
            problems.append(Problem(folder, None, None, message))
            continue
        index_files.append(folder / INDEX)
        for file_entry in _visible(folder):
            if not file_entry.name.endswith(".md") or file_entry.name == INDEX:
                continue
            if _escapes(file_entry, resolved_root):
                message = "is a link to a file outside the content folder (refused)"
                problems.append(Problem(Path(file_entry.path), None, None, message))
                continue
            try:
                stat = file_entry.stat()
            except OSError as exc:
                problems.append(Problem(Path(file_entry.path), None, None, f"cannot read file ({exc.strerror})"))
                continue
            sources.append(SourceFile(file_entry.path, entry.name, _identity(stat)))
    return Listing(root, tuple(index_files), tuple(sources), tuple(problems))
