"""PyYAML, through python-frontmatter's YAML handler, for frontmatter outside the fast path.

Imported only when feedpub.simpleyaml steps aside: importing PyYAML (and compiling its
regular expressions) costs more than a rebuild after a one-article edit has to spend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler


class FrontmatterLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml's C loader (7x faster), keeping timestamps as text so dates are parsed in one place."""


FrontmatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),
)


class _Handler(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        """Safe YAML load for what feedpub.simpleyaml stepped aside from (the caller tries it
        first): PyYAML's C parser with a direct constructor for mappings, lists and scalars;
        anything else (merge keys, sets, binary, deep or recursive aliases) gets PyYAML's own
        constructor.
        """
        loader = FrontmatterLoader(fm)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _construct(loader, node, 0)
            except _Unusual:
                return loader.construct_document(node)
        finally:
            loader.dispose()


class _Unusual(Exception):
    """A YAML shape the fast constructor leaves to PyYAML."""


_TAG = "tag:yaml.org,2002:"
_SCALARS: dict[str, Callable[[Any, Any], object]] = {
    f"{_TAG}str": lambda loader, node: node.value,
    f"{_TAG}timestamp": lambda loader, node: node.value,
    f"{_TAG}null": lambda loader, node: None,
    f"{_TAG}bool": lambda loader, node: loader.construct_yaml_bool(node),
    f"{_TAG}int": lambda loader, node: loader.construct_yaml_int(node),
    f"{_TAG}float": lambda loader, node: loader.construct_yaml_float(node),
}


def _construct(loader: Any, node: Any, depth: int) -> object:
    if depth > 64:
        raise _Unusual
    if isinstance(node, yaml.ScalarNode):
        scalar = _SCALARS.get(node.tag)
        if scalar is None:
            raise _Unusual
        return scalar(loader, node)
    if isinstance(node, yaml.SequenceNode) and node.tag == f"{_TAG}seq":
        return [_construct(loader, item, depth + 1) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == f"{_TAG}map":
        mapping: dict[object, object] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                raise _Unusual
            key = _construct(loader, key_node, depth + 1)
            if not isinstance(key, str | int | float | bool | None):
                raise _Unusual  # let PyYAML report an unhashable key its own way
            mapping[key] = _construct(loader, value_node, depth + 1)
        return mapping
    raise _Unusual


HANDLER = _Handler()

MarkedYAMLError = yaml.MarkedYAMLError
YAMLError = yaml.YAMLError
