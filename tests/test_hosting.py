"""The README's nginx configuration, run in a real nginx against real built feeds."""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from tests.conftest import PROJECT, Writer, article

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs it)")


def readme_server_block() -> str:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- nginx-config:start -->\n```nginx\n(.*?)```\n<!-- nginx-config:end -->", readme, re.DOTALL)
    assert match, "the README lost its nginx configuration block"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def nginx(content: Path, write: Writer, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    write("technology/alpha.md", article("Alpha", "2026-03-01T09:00:00Z", body=" ".join(["Words."] * 200)))
    www = tmp_path / "www"
    result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(www / "feeds")])
    assert result.exit_code == 0, result.output
    port = free_port()
    server = readme_server_block().replace("listen 80;", f"listen 127.0.0.1:{port};")
    server = server.replace("root /srv/www;", f"root {www};")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    (prefix / "nginx.conf").write_text(
        f"user root;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        f"events {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n"
        f"  proxy_temp_path {prefix}/proxy;\n  fastcgi_temp_path {prefix}/fastcgi;\n"
        f"  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n{server}}}\n",
        encoding="utf-8",
    )
    assert NGINX is not None
    subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], check=True, capture_output=True)
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, www / "feeds"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/feeds/technology/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds/technology/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/feeds/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/feeds/", "text/html; charset=utf-8"),
    ],
)
def test_readme_nginx_config_serves_feeds_properly(nginx: tuple[int, Path], path: str, media_type: str) -> None:
    port, feeds = nginx
    response, body = get(port, path)
    assert response.status == 200
    assert response.getheader("Content-Type") == media_type
    expected = feeds / (path.removeprefix("/feeds/") or "index.html")
    assert body == expected.read_bytes()
    etag, modified = response.getheader("ETag"), response.getheader("Last-Modified")
    assert etag
    assert modified
    assert get(port, path, {"If-None-Match": etag})[0].status == 304
    assert get(port, path, {"If-Modified-Since": modified})[0].status == 304
    if path.endswith(".xml"):
        assert response.getheader("Cache-Control") == "public, max-age=300"
        zipped, zipped_body = get(port, path, {"Accept-Encoding": "gzip"})
        assert zipped.getheader("Content-Encoding") == "gzip"
        assert zipped.getheader("Vary") == "Accept-Encoding"
        assert gzip.decompress(zipped_body) == body


def test_readme_nginx_config_lists_no_directories(nginx: tuple[int, Path]) -> None:
    port, _ = nginx
    assert get(port, "/feeds/technology/")[0].status in (403, 404)
