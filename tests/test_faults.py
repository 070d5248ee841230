"""Faults in the real write path: killed builds, a full disk, a read-only output folder.

Every feed on disk must always be complete and valid (the old one or the new one, never half
of either), and a build that stops leaves no temporary files once it has cleaned up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.validating import Severity, validate_bytes
from tests.conftest import PROJECT, Writer, article, files_under

PARAGRAPH = "Reporting from the field, with figures, quotes and context for readers. " * 12


@pytest.fixture
def large_site(content: Path, write: Writer) -> Path:
    index = content / "_index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("feed_items: 3", "feed_items: 50"), encoding="utf-8")
    for number in range(1500):
        section = ("science", "technology")[number % 2]
        day = 1 + number % 28
        write(
            f"{section}/story-{number}.md",
            article(f"Story {number}", f"2026-02-{day:02d}T{number % 24:02d}:00:00Z", body=PARAGRAPH * 8),
        )
    return content


def build_command(content: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        str(PROJECT / "publish.py"),
        "build",
        "-q",
        "--no-cache",
        "--content",
        str(content),
        "--out",
        str(out),
    ]


def assert_every_feed_whole(out: Path) -> None:
    for path in out.rglob("*.xml"):
        errors = [f for f in validate_bytes(path.read_bytes(), str(path)) if f.level is Severity.ERROR]
        assert errors == [], (path, errors[:3])


def temporaries(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.startswith(".feedpub-")]


def edit_everything(content: Path, round_number: int) -> None:
    for path in content.rglob("story-*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Story ", f"Story r{round_number} ", 1), encoding="utf-8")


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL])
def test_killed_build_leaves_every_feed_whole(large_site: Path, tmp_path: Path, signal_number: int) -> None:
    out = tmp_path / "feeds"
    subprocess.run(build_command(large_site, out), check=True)
    started = time.perf_counter()
    subprocess.run(build_command(large_site, out), check=True)
    duration = time.perf_counter() - started
    for round_number, fraction in enumerate((0.15, 0.35, 0.55, 0.7, 0.8, 0.9, 0.97)):
        edit_everything(large_site, round_number)
        process = subprocess.Popen(build_command(large_site, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(duration * fraction)
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=60)
        assert b"Traceback" not in stderr
        assert_every_feed_whole(out)
        if signal_number == signal.SIGTERM:
            assert temporaries(out) == []  # it unwound and cleaned up
    # The next build finishes the job and removes what a SIGKILL left behind.
    subprocess.run(build_command(large_site, out), check=True)
    assert_every_feed_whole(out)
    assert temporaries(out) == []
    assert b"Story r6 " in (out / "science" / "atom.xml").read_bytes()


@contextlib.contextmanager
def tiny_filesystem(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root in a mount namespace)")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_full_disk_gives_a_clear_error_and_no_partial_files(large_site: Path, tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "small", "160k") as small:
        out = small / "feeds"
        result = CliRunner().invoke(main, ["build", "--no-cache", "--content", str(large_site), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"error: cannot write feeds to {out}: No space left on device")
        assert "Traceback" not in result.output
        leftovers = [p for p in small.rglob("*") if p.is_file()]
        assert leftovers == []  # nothing half-written, no temporaries


def test_full_disk_keeps_the_old_feeds(content: Path, write: Writer, tmp_path: Path) -> None:
    write("science/small.md", article("Small", "2026-02-01"))
    with tiny_filesystem(tmp_path / "small", "96k") as small:
        out = small / "feeds"
        assert (
            CliRunner().invoke(main, ["build", "--no-cache", "--content", str(content), "--out", str(out)]).exit_code
            == 0
        )
        before = files_under(out)
        for number in range(60):
            write(f"science/big-{number}.md", article(f"Big {number}", "2026-03-01", body=PARAGRAPH * 20))
        result = CliRunner().invoke(main, ["build", "--no-cache", "--content", str(content), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "No space left on device" in result.output
        assert files_under(out) == before


def test_read_only_output_gives_a_clear_error(content: Path, write: Writer, tmp_path: Path) -> None:
    write("science/small.md", article("Small", "2026-02-01"))
    out = tmp_path / "ro" / "feeds"
    out.parent.mkdir()
    assert (
        CliRunner().invoke(main, ["build", "--no-cache", "--content", str(content), "--out", str(out)]).exit_code == 0
    )
    before = files_under(out)
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(out), str(out)], capture_output=True)
    if mounted.returncode != 0:
        if os.geteuid() == 0:
            pytest.skip("cannot make a read-only bind mount here")
        out.chmod(0o555)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(out)], capture_output=True, check=False)
        write("science/new.md", article("New", "2026-03-01"))
        result = CliRunner().invoke(main, ["build", "--no-cache", "--content", str(content), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"error: cannot write feeds to {out}: Read-only file system")
        assert files_under(out) == before
    finally:
        subprocess.run(["umount", str(out)], capture_output=True, check=False)
        out.chmod(0o755)


def test_stopping_signals_wait_while_the_worker_pool_starts() -> None:
    """A pool cut short while starting cannot be shut down cleanly (a traceback instead of a
    clean stop): SIGTERM and Ctrl-C are held back during its start and land right after."""
    from feedpub.workers import signals_held

    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: received.append(number))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            assert received == []
        time.sleep(0.05)
        assert received == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
