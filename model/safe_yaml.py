"""Reading one YAML file with bounded work and a map of where each key is.

Scenario and spec files come from users (and from whatever a scenario ``extends``),
so reading one must never hang, exhaust memory or end in a traceback: only regular
files are opened, their size is capped before parsing, and the event stream is
checked for nesting depth and for the size the document reaches once aliases are
expanded ("billion laughs") before anything is built from it. Keys must be plain
text, so that every problem can be located by its key path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from overplay.model.problems import LineMap, Loc, Problem, ScenarioError, dotted

#: Largest file read, bytes: bundled scenarios are a few kB; a scenario with thousands
#: of scripted events stays well below.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of mappings and lists (a scenario needs about six levels).
MAX_DEPTH = 32
#: Most nodes (keys, values, items) once aliases are expanded.
MAX_NODES = 200_000

#: libyaml's parser when PyYAML has it (about 30× faster; a file near the size limit
#: then reads in about a second), else the pure-Python one. Both are "safe" loaders.
LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TAG_KINDS = {
    "null": "null (empty)",
    "bool": "true/false",
    "int": "a number",
    "float": "a number",
    "timestamp": "a date",
}
#: What a node of each resolved tag should have been, for "not a valid ..." messages.
_TAG_NOUNS = {
    "timestamp": "date",
    "int": "whole number",
    "float": "number",
    "binary": "base64 binary value",
    "bool": "true/false value",
}


class _BadValue(yaml.constructor.ConstructorError):
    """A value the constructor could not build, with the key path of its node."""

    def __init__(self, loc: Loc, message: str, mark: yaml.Mark) -> None:
        super().__init__(None, None, message, mark)
        self.loc = loc


class _LocatingLoader(LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, but a value its constructor cannot build (an impossible date such
    as 2025-02-30, an integer too long to convert, ``!!float abc``) becomes a problem at
    its node's key path and line, like any other, instead of a bare ``ValueError`` from
    deep inside PyYAML: the whole class of bad values is reported where it is written."""

    #: Key path of each node (by ``id``), filled from the line map before constructing.
    node_locs: dict[int, Loc]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # any constructor failure is bad input
            noun = _TAG_NOUNS.get(str(node.tag).rsplit(":", 1)[-1], "value")
            shown = node.value if isinstance(node, yaml.ScalarNode) else node.tag
            if isinstance(shown, str) and len(shown) > 40:
                shown = shown[:37] + "..."
            raise _BadValue(
                self.node_locs.get(id(node), ()),
                f"not a valid {noun}: {shown!r} ({exc})",
                node.start_mark,
            ) from None


def read_bounded_text(path: Path, file: str) -> str:
    """The text of a regular file no larger than :data:`MAX_FILE_BYTES`.

    The type is checked before opening, and again on the open descriptor (opened
    non-blocking, so a FIFO swapped in meanwhile cannot block the read)."""

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(file, 0, "", message)])

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise refuse(_not_regular(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise refuse(f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise refuse(_not_regular(path))
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise refuse(
            f"larger than {MAX_FILE_BYTES:,} bytes; scenario and spec files are "
            "limited to that size"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse("not UTF-8 text") from None


def _not_regular(path: Path) -> str:
    kind = "a folder" if path.is_dir() else "a device, pipe or socket"
    return f"is {kind}, not a regular file"


def _check_shape(text: str, file: str) -> None:
    """Refuse documents nested deeper than :data:`MAX_DEPTH` or larger than
    :data:`MAX_NODES` once aliases are expanded, from the event stream alone."""
    expanded = 0
    open_collections: list[tuple[str | None, int]] = []  # (anchor, expanded at start)
    sizes: dict[str, int] = {}

    def refuse(event: yaml.Event, message: str) -> ScenarioError:
        return ScenarioError([Problem(file, event.start_mark.line + 1, "", message)])

    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in sizes:
                expanded += sizes[event.anchor]
            elif any(anchor == event.anchor for anchor, _ in open_collections):
                raise refuse(
                    event, f"alias *{event.anchor} refers to a mapping or list that contains it"
                )
            # an undefined alias is reported by the composer
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            open_collections.append((event.anchor, expanded))
            if len(open_collections) > MAX_DEPTH:
                raise refuse(event, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, started = open_collections.pop()
            if anchor:
                sizes[anchor] = expanded - started + 1
        if expanded > MAX_NODES:
            raise refuse(
                event,
                f"more than {MAX_NODES:,} keys and values (aliases "
                "expanded); split the file or write fewer aliases",
            )


def _key_problem(key_node: yaml.Node) -> str | None:
    """Why a mapping key cannot name anything, or None for plain text."""
    if not isinstance(key_node, yaml.ScalarNode):
        return "a key must be plain text, not a mapping or a list"
    if key_node.tag in (_STR_TAG, _MERGE_TAG):
        return None
    kind = _TAG_KINDS.get(key_node.tag.rsplit(":", 1)[-1], "not text")
    return (
        f"key {key_node.value!r} is read as {kind}; keys must be text: quote it "
        f"('{key_node.value}') or rename it"
    )


def _line_map(
    node: yaml.Node,
    file: str,
    loc: Loc,
    out: LineMap,
    problems: list[Problem],
    node_locs: dict[int, Loc],
) -> None:
    out.setdefault(loc, (file, node.start_mark.line + 1))
    node_locs.setdefault(id(node), loc)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            bad = _key_problem(key_node)
            if bad:
                problems.append(Problem(file, line, dotted(loc), bad))
                continue
            key = key_node.value
            if key in seen:
                problems.append(Problem(file, line, dotted((*loc, key)), "duplicate key"))
            seen.add(key)
            out[(*loc, key)] = (file, line)
            _line_map(value_node, file, (*loc, key), out, problems, node_locs)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*loc, index)] = (file, item.start_mark.line + 1)
            _line_map(item, file, (*loc, index), out, problems, node_locs)


def read_yaml(path: Path) -> tuple[dict[str, Any], LineMap]:
    """Safely load one YAML mapping and where each key is."""
    file = str(path)
    text = read_bounded_text(path, file)
    last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    lines: LineMap = {}
    try:
        _check_shape(text, file)
        loader = _LocatingLoader(text)
        loader.node_locs = {}
        try:
            node = loader.get_single_node()
            if node is not None:
                problems: list[Problem] = []
                _line_map(node, file, (), lines, problems, loader.node_locs)
                if problems:
                    raise ScenarioError(problems)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _BadValue as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise ScenarioError([Problem(file, line, dotted(exc.loc), str(exc.problem))]) from None
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_located(exc, file, last_line, lines)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, 0, "", f"invalid YAML: {exc}")]) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, 1, "", "the top level must be a mapping of keys")])
    return data, lines


def _located(exc: yaml.MarkedYAMLError, file: str, last_line: int, lines: LineMap) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = min(mark.line + 1, last_line) if mark else 0
    message = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    if "could not determine a constructor" in message:
        message = "unsafe or unknown YAML tag; only plain YAML is allowed (" + message + ")"
    keys = [loc for loc, (_, at) in lines.items() if at == line and loc]
    return Problem(file, line, dotted(min(keys, key=len)) if keys else "", message)
