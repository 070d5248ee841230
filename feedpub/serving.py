"""A small HTTP server for the built feeds, behaving as production hosting should.

Right media types with charset; strong ETag (content hash) and Last-Modified (file mtime);
304 Not Modified on If-None-Match / If-Modified-Since; gzip when accepted (Vary:
Accept-Encoding); HEAD; plain 404/405/400s; no directory listings and nothing outside the
output folder. Every request reads the file's current state, so rebuilds show up at once.
For preview and tests: it binds to loopback unless told otherwise.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import posixpath
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

MEDIA_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}
CACHE_CONTROL = "public, max-age=300"  # readers poll; five minutes keeps CDNs and readers close to fresh


@dataclass(frozen=True, slots=True)
class _Representation:
    identity: bytes
    gzipped: bytes
    etag: str
    last_modified: str
    media_type: str


class _FileCache:
    """Representations keyed by (path, size, mtime_ns, inode): a rebuilt file is re-read at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[tuple[int, int, int], _Representation]] = {}

    def get(self, path: Path, media_type: str) -> _Representation:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        with self._lock:
            cached = self._entries.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        data = path.read_bytes()
        representation = _Representation(
            identity=data,
            gzipped=gzip.compress(data, compresslevel=6, mtime=0),
            etag='"' + hashlib.sha256(data).hexdigest()[:32] + '"',
            last_modified=email.utils.formatdate(stat.st_mtime, usegmt=True),
            media_type=media_type,
        )
        with self._lock:
            self._entries[path] = (key, representation)
        return representation


def media_type_for(name: str) -> str | None:
    if name in MEDIA_TYPES:
        return MEDIA_TYPES[name]
    suffix = posixpath.splitext(name)[1]
    return MEDIA_TYPES.get(suffix)


def resolve_request_path(root: Path, raw_path: str) -> Path | None:
    """The file a request path names inside root, or None (outside, hidden, odd, or missing)."""
    path = unquote(urlsplit(raw_path).path, errors="strict")
    if "\0" in path or "\\" in path or not path.startswith("/"):
        return None
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") or part.startswith(".") for part in parts):
        return None
    candidate = root.joinpath(*parts)
    if path.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_file() or not resolved.is_relative_to(root):
        return None
    return resolved


class FeedRequestHandler(BaseHTTPRequestHandler):
    server_version = "feedpub"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send a request: slow clients cannot hold threads forever
    root: Path
    files: _FileCache
    quiet: bool = False

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _method_not_allowed(self) -> None:
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, "Only GET and HEAD are supported.\n", allow="GET, HEAD")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed

    def _respond(self, *, send_body: bool) -> None:
        try:
            path = resolve_request_path(self.root, self.path)
        except UnicodeDecodeError:
            path = None
        media_type = media_type_for(path.name) if path is not None else None
        if path is None or media_type is None:
            self._plain(HTTPStatus.NOT_FOUND, "Not found.\n", send_body=send_body)
            return
        try:
            representation = self.files.get(path, media_type)
        except OSError:
            self._plain(HTTPStatus.NOT_FOUND, "Not found.\n", send_body=send_body)
            return
        use_gzip = _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        etag = representation.etag[:-1] + '-gzip"' if use_gzip else representation.etag
        if self._not_modified(representation):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._common_headers(representation, etag)
            self.end_headers()
            return
        body = representation.gzipped if use_gzip else representation.identity
        self.send_response(HTTPStatus.OK)
        self._common_headers(representation, etag)
        self.send_header("Content-Type", representation.media_type)
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _common_headers(self, representation: _Representation, etag: str) -> None:
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", representation.last_modified)
        self.send_header("Cache-Control", CACHE_CONTROL)
        self.send_header("Vary", "Accept-Encoding")

    def _not_modified(self, representation: _Representation) -> bool:
        """RFC 9110 13.1: If-None-Match wins over If-Modified-Since; weak comparison for both variants."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            if if_none_match.strip() == "*":
                return True
            base = representation.etag.strip('"')
            for tag in if_none_match.split(","):
                opaque = tag.strip().removeprefix("W/").strip('"')
                if opaque in (base, f"{base}-gzip"):
                    return True
            return False
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
            modified = email.utils.parsedate_to_datetime(representation.last_modified)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and modified <= since

    def _plain(self, status: HTTPStatus, text: str, *, send_body: bool = True, allow: str | None = None) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request lines, huge headers) as plain text, no HTML page."""
        self.close_connection = True
        self._plain(HTTPStatus(code), f"{message or HTTPStatus(code).phrase}\n")

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def _accepts_gzip(header: str) -> bool:
    for item in header.split(","):
        coding, _, parameters = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = parameters.strip().removeprefix("q=").strip() if "q=" in parameters else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000, *, quiet: bool = False) -> ThreadingHTTPServer:
    """A server for root (not yet serving): call serve_forever(), or shutdown() from another thread."""
    handler = type(
        "BoundFeedRequestHandler",
        (FeedRequestHandler,),
        {"root": root.resolve(), "files": _FileCache(), "quiet": quiet},
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
