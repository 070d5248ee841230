"""Atomic, all-or-nothing writes, proven by failing the real write path part-way."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from feedpub import writing
from feedpub.errors import OutputError
from feedpub.planning import FeedDocument
from feedpub.writing import Staging, changed_paths
from tests.conftest import files_under


class Written(NamedTuple):
    written: tuple[str, ...]
    unchanged: tuple[str, ...]


def write_documents(out_dir: Path, documents: list[FeedDocument]) -> Written:
    """Stage every document and commit, as a build does once all its feeds are ready."""
    with Staging(out_dir) as staging:
        for document in documents:
            staging.add(document)
        written = set(staging.commit())
    relpaths = [d.relpath for d in documents]
    return Written(tuple(r for r in relpaths if r in written), tuple(r for r in relpaths if r not in written))


def documents(version: str) -> list[FeedDocument]:
    return [
        FeedDocument(name, f"<feed>{version} {name}</feed>".encode(), "application/atom+xml")
        for name in ("atom.xml", "a/atom.xml", "b/atom.xml")
    ]


def test_writes_all_then_only_what_changed(tmp_path: Path) -> None:
    report = write_documents(tmp_path, documents("v1"))
    assert report.written == ("atom.xml", "a/atom.xml", "b/atom.xml")
    changed = documents("v1")
    changed[1] = FeedDocument("a/atom.xml", b"<feed>v2</feed>", "application/atom+xml")
    assert changed_paths(tmp_path, changed) == ("a/atom.xml",)
    report = write_documents(tmp_path, changed)
    assert report.written == ("a/atom.xml",)
    assert report.unchanged == ("atom.xml", "b/atom.xml")
    assert (tmp_path / "a" / "atom.xml").read_bytes() == b"<feed>v2</feed>"


def test_a_file_of_the_same_size_but_other_bytes_is_rewritten(tmp_path: Path) -> None:
    """Sizes are compared first; equal sizes still need equal bytes."""
    write_documents(tmp_path, documents("v1"))
    same_size = documents("v2")  # every version string is two characters
    assert [len(d.data) for d in same_size] == [len(d.data) for d in documents("v1")]
    assert changed_paths(tmp_path, same_size) == ("atom.xml", "a/atom.xml", "b/atom.xml")
    assert write_documents(tmp_path, same_size).written == ("atom.xml", "a/atom.xml", "b/atom.xml")
    assert files_under(tmp_path) == {d.relpath: d.data for d in same_size}


def test_failure_part_way_leaves_old_feeds_and_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_documents(tmp_path, documents("v1"))
    before = files_under(tmp_path)
    real_stage = writing._stage
    calls = 0

    def stage_then_fail(target: Path, data: bytes) -> Path:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device", str(target))
        return real_stage(target, data)

    monkeypatch.setattr(writing, "_stage", stage_then_fail)
    with pytest.raises(OutputError, match="No space left on device"):
        write_documents(tmp_path, documents("v2"))
    assert files_under(tmp_path) == before


def test_interrupt_part_way_cleans_up_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_documents(tmp_path, documents("v1"))
    before = files_under(tmp_path)
    real_stage = writing._stage

    def stage_then_interrupt(target: Path, data: bytes) -> Path:
        real_stage(target, data)
        raise KeyboardInterrupt

    monkeypatch.setattr(writing, "_stage", stage_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_documents(tmp_path, documents("v2"))
    assert files_under(tmp_path) == before


def test_leftovers_of_a_killed_build_are_removed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".feedpub-abc.tmp").write_bytes(b"half a feed")
    write_documents(tmp_path, documents("v1"))
    assert sorted(files_under(tmp_path)) == ["a/atom.xml", "atom.xml", "b/atom.xml"]


def test_two_documents_for_one_path_are_refused(tmp_path: Path) -> None:
    twice = [*documents("v1"), documents("v2")[0]]
    with pytest.raises(OutputError, match=r"two feeds would be written to atom\.xml"):
        write_documents(tmp_path, twice)
    assert files_under(tmp_path) == {}


def test_files_are_world_readable(tmp_path: Path) -> None:
    write_documents(tmp_path, documents("v1"))
    assert (tmp_path / "atom.xml").stat().st_mode & 0o777 == 0o644
