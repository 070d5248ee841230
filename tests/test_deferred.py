"""Deferred imports: feedgen's dateutil.parser loads only when something uses it, and then
whatever uses it gets the real module."""

from __future__ import annotations

from tests.conftest import run_fresh_python


def test_building_defers_dateutil_parser_until_used() -> None:
    """Importing the builder and building a feed leaves dateutil.parser (and the decimal module
    it pulls in) unloaded: feedpub hands feedgen datetimes only."""
    code = """
import sys
from datetime import UTC, datetime
from feedpub.building import build_feed
from feedpub.deferred import _StandIn
from feedpub.loading import load_content
from feedpub.planning import plan_feeds
from pathlib import Path

content, _ = load_content(Path("content"))
plan = next(plan for plan in plan_feeds(content, datetime(2030, 1, 1, tzinfo=UTC)) if plan.items)
titles = {section.name: section.title for section in content.sections}
built = build_feed(content.site, plan, titles, plan.items[0].updated, {a.id: a for a in plan.items})
assert built.entries and b"<rss" in built.generated[0].data
assert isinstance(sys.modules["dateutil.parser"], _StandIn), sys.modules["dateutil.parser"]
assert "decimal" not in sys.modules and "dateutil.parser._parser" not in sys.modules
"""
    result = run_fresh_python(code)
    assert result.returncode == 0, result.stderr


def test_first_use_loads_the_real_module_everywhere() -> None:
    """feedgen still parses a date given as a string; after that first use, sys.modules and the
    dateutil package hold the real parser module, not the stand-in."""
    code = """
import sys
import feedpub.building
from feedgen.feed import FeedGenerator
import dateutil

assert type(sys.modules["dateutil.parser"]).__name__ == "_StandIn"
entry = FeedGenerator().add_entry()
entry.published("2026-03-05T10:00:00+01:00")
assert entry.published().isoformat() == "2026-03-05T10:00:00+01:00", entry.published()
real = sys.modules["dateutil.parser"]
assert type(real).__name__ == "module" and dateutil.parser is real
assert real.parse("2026-03-05").year == 2026
"""
    result = run_fresh_python(code)
    assert result.returncode == 0, result.stderr


def test_a_module_already_imported_is_left_alone() -> None:
    code = """
import sys
import dateutil.parser
real = sys.modules["dateutil.parser"]
from feedpub.deferred import defer_import
defer_import("dateutil.parser")
assert sys.modules["dateutil.parser"] is real
from feedpub.deferred import _StandIn
defer_import("json.decoder")  # imported by json's own __init__: left as it is
import json.decoder
assert not isinstance(json.decoder, _StandIn)
"""
    result = run_fresh_python(code)
    assert result.returncode == 0, result.stderr
