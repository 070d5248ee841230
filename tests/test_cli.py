"""The commands end to end: real content trees, CliRunner and one real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from feedpub.cli import main
from tests.conftest import PROJECT, Writer, article


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for command in ([], ["build"], ["check"], ["validate"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0
        assert "Usage:" in result.output


def test_check_reports_counts_and_writes_nothing(content: Path, write: Writer, tmp_path: Path) -> None:
    write("science/a.md", article("A", "2026-01-01"))
    write("science/b.md", article("B", "2026-01-02", draft="true"))
    write("science/c.md", article("C", "2030-01-01"))
    result = CliRunner().invoke(main, ["check", "--content", str(content), "--now", "2026-06-01T00:00:00Z"])
    assert result.exit_code == 0
    assert result.output == "content is valid: 3 article(s), 1 published\n"
    assert not (tmp_path / "feeds").exists()


def test_check_exit_code_on_errors(content: Path, write: Writer) -> None:
    write("science/a.md", "---\ntitle: A\n---\n")
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 1
    assert f"{content / 'science' / 'a.md'}: date: missing" in result.output
    assert "1 error(s) found\n" in result.output


def test_warnings_are_printed_but_do_not_fail(content: Path, write: Writer) -> None:
    write("science/a.md", article("A", "2026-01-01", colour="blue"))
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 0
    assert "colour: warning: unknown field, ignored" not in result.output
    assert f"{content / 'science' / 'a.md'}:4: warning: colour: unknown field, ignored" in result.output


def test_usage_errors_exit_2(content: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--now", "next tuesday"]).exit_code == 2
    assert runner.invoke(main, ["validate"]).exit_code == 2
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2


def test_missing_content_folder_is_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--content", str(tmp_path / "nowhere"), "--out", str(tmp_path / "f")])
    assert result.exit_code == 1
    assert "content folder not found" in result.output
    assert not (tmp_path / "f").exists()


def test_unwritable_output_is_an_io_error(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "science").write_text("a file where the section folder should be", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(out)])
    assert result.exit_code == 2
    # Found before anything is written, when comparing the first feed ready with the one on disk.
    assert result.output == f"error: cannot read {out / 'science' / 'rss.xml'}: Not a directory\n"
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["science"]  # nothing else was written


def test_out_that_is_a_file_is_a_usage_error(content: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "feeds"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(blocker)])
    assert result.exit_code == 2
    assert "is a file" in result.output


def test_publish_py_runs_as_a_script(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    completed = subprocess.run(
        [sys.executable, str(PROJECT / "publish.py"), "build", "--content", str(content), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("built 6 feeds and index.html from 0 published article(s): 7 file(s) written")
    assert (out / "science" / "atom.xml").is_file()


def test_script_exits_at_once_with_all_output_and_the_right_code(content: Path, write: Writer, tmp_path: Path) -> None:
    """run() skips interpreter teardown: what was printed must still all arrive, through a pipe,
    and the exit code must be the command's (0 built, 1 content errors, 2 usage)."""
    out = tmp_path / "feeds"
    script = [sys.executable, str(PROJECT / "publish.py")]
    built = subprocess.run([*script, "build", "--content", str(content), "--out", str(out)], capture_output=True)
    assert built.returncode == 0, built.stderr
    validated = subprocess.run([*script, "validate", "--format", "json", str(out)], capture_output=True, text=True)
    assert validated.returncode == 0
    assert json.loads(validated.stdout)["summary"]["files"] == 6  # the whole document, flushed before exit
    for number in range(300):  # many problems: more stderr than a pipe's buffer holds
        write(f"science/broken-{number}.md", "---\ntitle: Broken\n---\n")
    failed = subprocess.run(
        [*script, "build", "--content", str(content), "--out", str(out)], capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert failed.stderr.count("date: missing") == 300
    assert failed.stderr.rstrip().endswith("300 error(s) found; nothing was written")
    usage = subprocess.run([*script, "no-such-command"], capture_output=True, text=True)
    assert usage.returncode == 2
    assert "No such command" in usage.stderr


def test_repository_feeds_are_the_build_of_repository_content() -> None:
    result = CliRunner().invoke(
        main, ["build", "--check", "--content", str(PROJECT / "content"), "--out", str(PROJECT / "feeds")]
    )
    assert result.exit_code == 0, result.output
