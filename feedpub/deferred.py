"""Deferring a third-party module's import until something uses it.

feedgen imports dateutil.parser at its top (and with it decimal, calendar and the parser's
tables: ~5 ms, a tenth of what a one-article rebuild costs beyond a no-op) only to parse dates
handed to it as strings. feedpub hands it datetimes, so that parser never runs. defer_import()
puts a stand-in in sys.modules; the first attribute anything reads from the stand-in imports
the real module, which then takes its place. Whatever uses the module gets the real thing,
only later.

importlib.util.LazyLoader does not do here: its module loads on any attribute read, and the
import system reads __spec__ from a module already in sys.modules, so it loaded at once.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

_loading = threading.Lock()  # two threads touching a stand-in at once import the module once


class _StandIn(types.ModuleType):
    """Holds a module's place until first use. What the import system reads (__name__, and
    __spec__ and __loader__, which are None) are ordinary attributes; reading anything else
    imports the real module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load(self), name)


def defer_import(name: str) -> None:
    """Let `name` (a submodule, e.g. "dateutil.parser") import on first use instead of now.
    Does nothing if it is imported already."""
    parent_name, _, child = name.rpartition(".")
    parent = importlib.import_module(parent_name)  # first: it might import the module itself
    if name in sys.modules:
        return
    stand_in = _StandIn(name)
    sys.modules[name] = stand_in
    # `import parent.child` binds `parent`; code then reaches the module as parent.child.
    setattr(parent, child, stand_in)


def _load(stand_in: _StandIn) -> types.ModuleType:
    with _loading:
        if sys.modules.get(stand_in.__name__) is stand_in:
            del sys.modules[stand_in.__name__]
        # The real import also rebinds the parent package's attribute to the real module.
        return importlib.import_module(stand_in.__name__)
