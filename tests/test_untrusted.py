"""Untrusted feeds through `publish.py validate`: findings or a clean error, in bounded time and
memory, with no traceback, no file read and no network access."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT

MAX_SECONDS = 10
MAX_RSS_MB = 400

RSS_BODY = "<channel><title>{title}</title><link>https://example.org/</link><description>D</description></channel>"


def validate(path: Path) -> tuple[int, dict[str, object], float, float]:
    """Run the real CLI; return exit code, JSON report, seconds, and peak RSS in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(PROJECT / "publish.py"), "validate", "--format", "json", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = process.communicate(timeout=60)
    _, _, usage = os.wait4(process.pid, os.WNOHANG) if process.returncode is None else (0, 0, None)
    elapsed = time.perf_counter() - started
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")
    rss = usage.ru_maxrss / 1024 if usage else 0.0
    return process.returncode, json.loads(stdout), elapsed, rss


def codes(report: dict[str, object]) -> set[str]:
    return {str(f["code"]) for f in report["findings"]}  # type: ignore[attr-defined, index]


CASES = {
    "empty.xml": (b"", "EmptyDocument"),
    "binary.xml": (bytes(range(256)) * 64, "SAXError"),
    "truncated.xml": (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Cut", "SAXError"),
    "page.html": (b"<!DOCTYPE html><html><head><title>Hi</title></head><body><p>Not a feed</body></html>", "SAXError"),
    "xhtml.xml": (b"<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "UndefinedElement"),
    "svg.xml": (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "UndefinedElement"),
    "rdf.xml": (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", "UnsupportedFormat"),
    "lying-utf16.xml": (b"<?xml version='1.0' encoding='UTF-16'?><rss version='2.0'/>", "SAXError"),
    "unknown-encoding.xml": (b"<?xml version='1.0' encoding='x-nonsense'?><rss version='2.0'/>", "UnicodeError"),
    "deep.xml": (
        b"<rss version='2.0'><channel>" + b"<x>" * 10_000 + b"</x>" * 10_000 + b"</channel></rss>",
        "SAXError",
    ),
    "dtd-only.xml": (
        b"<?xml version='1.0'?><!DOCTYPE rss [<!ELEMENT rss ANY>]><rss version='2.0'>"
        + RSS_BODY.format(title="T").encode()
        + b"</rss>",
        None,
    ),
    "billion-laughs.xml": (
        (
            "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY a 'lol'>"
            + "".join(f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>" for i in range(9))
            + "]><rss version='2.0'>"
            + RSS_BODY.format(title="&j;")
            + "</rss>"
        ).encode(),
        {"EntityReference", "SAXError"},  # libxml2 refuses the bomb outright, or we flag the entity
    ),
    "quadratic.xml": (
        (
            "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY big '"
            + "x" * 100_000
            + "'>]><rss version='2.0'>"
            + RSS_BODY.format(title="&big;" * 10_000)
            + "</rss>"
        ).encode(),
        {"EntityReference", "SAXError"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_untrusted_input(tmp_path: Path, name: str) -> None:
    data, expected = CASES[name]
    path = tmp_path / name
    path.write_bytes(data)
    exit_code, report, seconds, rss = validate(path)
    assert seconds < MAX_SECONDS
    assert rss < MAX_RSS_MB
    if expected is None:
        assert exit_code in (0, 1)
    else:
        assert exit_code == 1
        allowed = expected if isinstance(expected, set) else {expected}
        assert allowed & codes(report), report


def test_gigabytes_of_whitespace_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "whitespace.xml"
    with path.open("wb") as stream:  # a sparse file: 2 GB long, costing no disk
        stream.truncate(2 * 1024**3)
    with path.open("r+b") as stream:
        stream.write(b" " * 1024)
    exit_code, report, seconds, rss = validate(path)
    assert exit_code == 1
    assert codes(report) == {"FileTooLarge"}
    assert seconds < MAX_SECONDS
    assert rss < MAX_RSS_MB


def test_no_local_file_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("THE-SECRET-VALUE", encoding="utf-8")
    for reference in (f"file://{secret}", str(secret)):
        path = tmp_path / "xxe.xml"
        path.write_text(
            f"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM '{reference}'>]>"
            f"<rss version='2.0'>{RSS_BODY.format(title='&x;')}</rss>",
            encoding="utf-8",
        )
        exit_code, report, _, _ = validate(path)
        assert exit_code == 1
        assert "THE-SECRET-VALUE" not in json.dumps(report)


def test_no_network_access(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    path = tmp_path / "network.xml"
    path.write_text(
        f"<?xml version='1.0'?><!DOCTYPE rss SYSTEM 'http://127.0.0.1:{port}/dtd' "
        f"[<!ENTITY net SYSTEM 'http://127.0.0.1:{port}/entity'>]>"
        f"<rss version='2.0' xmlns:xi='http://www.w3.org/2001/XInclude'>"
        f"<xi:include href='http://127.0.0.1:{port}/include'/>{RSS_BODY.format(title='&net;')}</rss>",
        encoding="utf-8",
    )
    try:
        validate(path)
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected
    finally:
        listener.close()
