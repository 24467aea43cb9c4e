"""Loading YAML data files with errors that name the file, line and field.

Pathway definitions, code lists and the demo partnership are data files.
`load` returns plain dicts and lists whose dicts remember the line each key
was on, so validators can say exactly where the problem is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class DataFileError(ValueError):
    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        location = f"{path}:{line}" if line else str(path)
        super().__init__(f"{location}: {message}")
        self.path = str(path)
        self.line = line


class LineDict(dict[str, Any]):
    """A dict that knows the line of each key (1-based) and its own first line."""

    line: int = 0
    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise DataFileError(loader.name, key_node.start_mark.line + 1, f"'{key}' appears twice")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path: Path | str) -> Any:
    """Parse a YAML file; syntax errors become DataFileError with the line."""
    path = Path(path)
    return load_text(path.read_text(encoding="utf-8"), str(path))


def load_text(text: str, name: str) -> Any:
    """Parse YAML held in memory (a stored copy of a file), naming it `name` in errors."""
    try:
        loader = _Loader(text)
        loader.name = name
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DataFileError(name, line, f"not valid YAML: {exc.problem}") from exc


def line_of(mapping: Any, key: str | None = None) -> int | None:
    if not isinstance(mapping, LineDict):
        return None
    if key is not None and key in mapping.lines:
        return mapping.lines[key]
    return mapping.line


def require(path: Path | str, mapping: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """mapping[key], checked to exist and be of `kind`; otherwise a DataFileError naming it."""
    if not isinstance(mapping, dict):
        raise DataFileError(path, line_of(mapping), f"{where} must be a mapping of keys to values")
    if key not in mapping:
        raise DataFileError(path, line_of(mapping), f"{where} is missing '{key}'")
    value = mapping[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataFileError(path, line_of(mapping, key), f"{where}.{key} must be a {names}, not {value!r}")
    return value
