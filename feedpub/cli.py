"""The command line: options in, one core call, findings out, an exit code.

The only module that knows click, streams and exit codes. Exit codes: 0 ok, 1 content or
feed errors found, 2 usage or I/O error. Expected errors (FeedpubError) become messages;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from feedpub import __version__
from feedpub.errors import ContentErrors, FeedpubError, InvalidFeedOutput, Level, OutputError, Problem
from feedpub.pipeline import build_site, check_content
from feedpub.workers import default_jobs

if TYPE_CHECKING:
    from feedpub.validating.findings import Finding

FORMATS = ("text", "json", "github")  # feedpub.validating.report.FORMATS; kept here so start-up stays light

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


class _Now(click.ParamType):  # type: ignore[type-arg]
    """--now: an ISO 8601 time with offset (or Z), or a plain date meaning midnight UTC."""

    name = "datetime"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value).replace("z", "Z"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time (expected e.g. 2026-03-01T09:30:00Z)", param, ctx)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


content_option = click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="content",
    show_default=True,
    help="Folder with _index.md and one folder per section.",
)
now_option = click.option(
    "--now",
    type=_Now(),
    default=None,
    help="Publish as of this time (ISO 8601; naive means UTC). Later-dated articles wait. [default: the current time]",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def main() -> None:
    """Publish RSS 2.0 and Atom 1.0 feeds from Markdown articles, and validate any feed."""


@main.command()
@content_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="feeds",
    show_default=True,
    help="Folder to write the feeds into.",
)
@now_option
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 if the feeds on disk differ from what a build would write.",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to keep the build cache (parsed articles, built feeds); it only ever saves work. "
    "[default: .cache/feedpub beside the content folder]",
)
@click.option("--no-cache", is_flag=True, help="Build everything from scratch, without reading or writing the cache.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for large builds. [default: CPU count, at most 4]",
)
@click.option("--links", is_flag=True, help="Also print the autodiscovery <link> tags for the site's own pages.")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
def build(
    content_dir: Path,
    out_dir: Path,
    now: datetime | None,
    check_only: bool,
    cache_dir: Path,
    no_cache: bool,
    jobs: int | None,
    links: bool,
    quiet: bool,
) -> None:
    """Build every section's and the whole site's RSS and Atom feeds into OUT."""
    _exit_cleanly_on_sigterm()
    try:
        result = build_site(
            content_dir,
            out_dir,
            now or datetime.now(UTC),
            write=not check_only,
            # Beside the content, never beside the output: the cache holds drafts, and output
            # folders often sit inside a web root.
            cache_dir=None if no_cache else (cache_dir or content_dir.parent / ".cache" / "feedpub"),
            jobs=jobs or default_jobs(),
        )
    except ContentErrors as exc:
        _report_problems(exc.problems)
        raise SystemExit(EXIT_FOUND) from None
    except InvalidFeedOutput as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_FOUND) from None
    except OutputError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    _report_problems(result.warnings)
    if links:
        click.echo(result.links, nl=False)
    if check_only:
        if result.changed:
            for path in result.changed:
                click.echo(f"{out_dir / path}: out of date (run: python publish.py build)", err=True)
            raise SystemExit(EXIT_FOUND)
        if not quiet:
            click.echo(f"{result.feed_count} feeds in {out_dir} are up to date")
        return
    if not quiet:
        click.echo(
            f"built {result.feed_count} feeds and index.html from {result.article_count} published article(s): "
            f"{len(result.changed)} file(s) written, {result.feed_count + 1 - len(result.changed)} unchanged, "
            f"in {out_dir}" + (" (nothing changed since the last build)" if result.reused else "")
        )


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback: only this machine)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port; 0 picks a free one."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default="feeds",
    show_default=True,
    help="Folder of built feeds to serve.",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not log requests.")
def serve(host: str, port: int, out_dir: Path, quiet: bool) -> None:
    """Serve the built feeds over HTTP, as a production host should (for preview and testing).

    Sends feed media types, ETag and Last-Modified, answers conditional requests with 304,
    compresses with gzip when asked, and picks up rebuilds without a restart.
    """
    from feedpub.serving import make_server

    try:
        server = make_server(out_dir, host, port, quiet=quiet)
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port} ({exc.strerror or exc})", err=True)
        raise SystemExit(EXIT_USAGE) from None
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    click.echo(f"Serving {out_dir} on http://{bound_host}:{bound_port}/ (Ctrl-C to stop)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.command()
@content_option
@now_option
def check(content_dir: Path, now: datetime | None) -> None:
    """Load and check all content, reporting every problem; writes nothing."""
    try:
        warnings, published, total = check_content(content_dir, now or datetime.now(UTC))
    except ContentErrors as exc:
        _report_problems(exc.problems, writing=False)
        raise SystemExit(EXIT_FOUND) from None
    _report_problems(warnings)
    click.echo(f"content is valid: {total} article(s), {published} published")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def validate(paths: Sequence[Path], output_format: str, strict: bool) -> None:
    """Check RSS 2.0 and Atom 1.0 files against their specs.

    PATHS are files, folders (every *.xml, *.rss and *.atom below them) or - for standard input.
    """
    from feedpub.validating import Severity, read_limited, validate_bytes
    from feedpub.validating.report import render

    findings: list[Finding] = []
    files = 0
    targets, unreadable = _expand(paths)
    for target in targets:
        try:
            if str(target) == "-":
                data = read_limited(sys.stdin.buffer)
            else:
                with target.open("rb") as stream:
                    data = read_limited(stream)
        except OSError as exc:
            click.echo(f"{target}: cannot read ({exc.strerror or exc})", err=True)
            unreadable = True
            continue
        files += 1
        findings.extend(validate_bytes(data, "<stdin>" if str(target) == "-" else str(target)))
    click.echo(render(findings, files, output_format), nl=False)
    if unreadable:
        raise SystemExit(EXIT_USAGE)
    worst = {f.level for f in findings}
    if Severity.ERROR in worst or (strict and Severity.WARNING in worst):
        raise SystemExit(EXIT_FOUND)


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI timeout, a deploy) unwinds like Ctrl-C, so half-staged feeds are cleaned up."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _expand(paths: Sequence[Path]) -> tuple[list[Path], bool]:
    """The files to check, and whether a folder held none (a CI job pointed at the wrong place)."""
    from feedpub.validating import feed_files

    expanded: list[Path] = []
    empty_folder = False
    for path in paths:
        if str(path) == "-":
            expanded.append(path)
        elif path.is_dir():
            found = list(feed_files([path]))
            if not found:
                click.echo(f"{path}: no *.xml, *.rss or *.atom files in this folder", err=True)
                empty_folder = True
            expanded.extend(found)
        else:
            expanded.append(path)
    return expanded, empty_folder


def _report_problems(problems: Sequence[Problem], *, writing: bool = True) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(1 for p in problems if p.level is Level.ERROR)
    if errors:
        click.echo(f"{errors} error(s) found" + ("; nothing was written" if writing else ""), err=True)


def run() -> None:
    """Console-script entry point: click's standalone mode maps usage errors to exit 2.

    A finished command exits at once, its output flushed, without tearing the interpreter down
    (as mypy's --fast-exit does): freeing every object of a ten-thousand-article build took
    20 to 50 ms, a tenth of a no-op rebuild, and every file and connection is closed already.
    A traceback (a bug) still takes the normal way out.
    """
    try:
        main()
    except FeedpubError as exc:  # pragma: no cover - every command handles its own
        click.echo(f"error: {exc}", err=True)
        _exit_now(EXIT_USAGE)
    except SystemExit as finished:  # click ends every command with one
        if finished.code is None or isinstance(finished.code, int):
            _exit_now(finished.code or 0)
        raise


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream: nothing to lose
            stream.flush()
    os._exit(code)
