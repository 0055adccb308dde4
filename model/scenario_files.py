"""Finding and reading scenario files: bundled names, paths, and ``extends`` chains
merged key by key (with ``events`` appended or replaced), each value keeping the file
and line it came from so errors can point at it."""

from __future__ import annotations

import difflib
import re
from importlib import resources
from pathlib import Path
from typing import Any

from overplay.model.naming import OUTPUT_NAME_PATTERN
from overplay.model.problems import LineMap, Loc, Problem, ScenarioError
from overplay.model.safe_yaml import read_yaml
from overplay.model.scenario_checks import note

#: Longest chain of ``extends`` (bundled scenarios use one link).
MAX_EXTENDS = 8


SCENARIO_SUFFIXES = (".yaml", ".yml")


#: The keys that set a scenario's period: a file that changes them from the one it
#: extends is a window of it.
PERIOD_KEYS = frozenset({("start",), ("years",)})
#: Loader directive: how a file's ``events`` combine with those it extends.
EVENTS_MERGE = ("append", "replace")


def bundled_dir() -> Path:
    """Folder of the bundled scenarios (package data of ``experiments``)."""
    return Path(str(resources.files("overplay.experiments").joinpath("scenarios")))


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def _is_bundled_name(ref: str) -> bool:
    return not ref.endswith(SCENARIO_SUFFIXES) and "/" not in ref and "\\" not in ref


def locate(reference: str | Path, relative_to: Path | None = None) -> Path:
    """A bundled scenario's name, or a path (relative to ``relative_to`` if given)."""
    ref = str(reference)
    if _is_bundled_name(ref):
        candidate = bundled_dir() / f"{ref}.yaml"
        if candidate.is_file():
            return candidate
        close = difflib.get_close_matches(ref, bundled_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FileNotFoundError(
            f"no bundled scenario named {ref!r}{hint} (bundled: {', '.join(bundled_names())})"
        )
    path = Path(ref)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    return path


def _parent_of(ref: Any, child: Path, chain: tuple[Path, ...], where_: tuple[str, int]) -> Path:
    """The file an ``extends:`` names: a bundled scenario's name, or a regular
    ``.yaml``/``.yml`` file relative to the extending file, not already in the chain
    and at most :data:`MAX_EXTENDS` links from the file loaded first."""

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(*where_, "extends", message)])

    if not isinstance(ref, str) or not ref:
        raise refuse("must be a bundled scenario's name or a path to a .yaml file")
    if not _is_bundled_name(ref) and not ref.endswith(SCENARIO_SUFFIXES):
        raise refuse(f"{ref!r}: a path must end in .yaml or .yml")
    try:
        path = locate(ref, child.parent)
    except FileNotFoundError as exc:
        raise refuse(str(exc)) from None
    except OSError as exc:
        raise refuse(f"{ref!r}: {exc.strerror or exc}") from None
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "a device, pipe or socket"
        raise refuse(f"{path} is {kind}, not a regular file")
    resolved = (*chain, child.resolve())
    if path.resolve() in resolved:
        cycle = " -> ".join(str(p) for p in (*resolved, path.resolve()))
        raise refuse(f"extends cycle: {cycle}")
    if len(resolved) >= MAX_EXTENDS:
        raise refuse(
            f"more than {MAX_EXTENDS} files in the extends chain "
            f"({' -> '.join(p.name for p in resolved)} -> ...)"
        )
    return path


def _default_name(path: Path) -> str:
    """A scenario is named after its file; characters a folder name should not hold
    become '_' (the name picks the output folder)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", path.stem).lstrip("._-")[:100]
    return name if re.match(OUTPUT_NAME_PATTERN, name) else "scenario"


def _merged_lines(parent: LineMap, child: LineMap, replaced: set[Loc]) -> LineMap:
    """Both line maps, the child's entries last: later entries were set later, which is
    how a problem found across several keys is blamed on the one most recently set.
    The parent's entries under a location the child replaced (``replaced``, from
    :func:`_replaced`) are dropped: what is there now is the child's, and a problem in
    it must not be blamed on a parent's line that no longer holds anything."""
    merged = {
        loc: at
        for loc, at in parent.items()
        if not any(loc[:n] in replaced for n in range(1, len(loc) + 1))
    }
    for loc, at in child.items():
        merged.pop(loc, None)
        merged[loc] = at
    return merged


def _replaced(base: dict[str, Any], child: dict[str, Any], loc: Loc = ()) -> set[Loc]:
    """Where :func:`_deep_merge` puts the child's value instead of merging into the
    parent's (a list, a scalar, or a mapping over a non-mapping)."""
    out: set[Loc] = set()
    for key, value in child.items():
        if key not in base:
            continue
        if isinstance(value, dict) and isinstance(base[key], dict):
            out |= _replaced(base[key], value, (*loc, key))
        else:
            out.add((*loc, key))
    return out


def _deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child keys win; nested mappings merge; lists are replaced whole."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _merge_events(
    parent: dict[str, Any],
    data: dict[str, Any],
    mode: Any,
    lines: LineMap,
    file: str,
    parent_ref: str,
) -> list[Problem]:
    """Apply ``events_merge`` (append or replace) to the child's ``events``, in place.
    Without it, a child's ``events`` replace the inherited ones and a note says so."""
    at = lines.get(("events_merge",), lines.get(("events",), (file, 1)))
    if mode is not None and mode not in EVENTS_MERGE:
        return [
            Problem(*at, "events_merge", f"must be one of {', '.join(EVENTS_MERGE)}, got {mode!r}")
        ]
    inherited, own = parent.get("events"), data.get("events")
    if not (isinstance(inherited, list) and inherited and isinstance(own, list)):
        return []
    if mode == "append":
        data["events"] = [*inherited, *own]
        own_items = [loc for loc in lines if loc[:1] == ("events",) and len(loc) > 1]
        lines.update(
            {
                ("events", len(inherited) + int(loc[1]), *loc[2:]): lines.pop(loc)
                for loc in own_items
            }
        )
    elif mode is None:
        count = len(inherited)
        note(
            Problem(
                *lines.get(("events",), (file, 1)),
                "events",
                f"replaces the {count} "
                f"event{'s' if count > 1 else ''} inherited from {parent_ref}; write "
                "`events_merge: append` to keep them (or `replace` to say so)",
            )
        )
    return []


def load_raw(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], LineMap, set[Loc]]:
    """A scenario file merged over what it ``extends``, with a line map and the period
    keys (``start``, ``years``) a file changed from the one it extends: such a file is
    a window of a longer scenario, whose events outside it are left out with a note."""
    data, lines = read_yaml(path)
    data.setdefault("name", _default_name(path))
    has_parent = "extends" in data
    parent_ref = data.pop("extends", None)
    merge_mode = data.pop("events_merge", None)
    file = str(path)
    if not has_parent:
        if merge_mode is not None:
            raise ScenarioError(
                [
                    Problem(
                        *lines.get(("events_merge",), (file, 1)),
                        "events_merge",
                        "only a file that extends another can merge events",
                    )
                ]
            )
        return data, lines, set()
    at = lines.get(("extends",), (file, 1))
    parent_path = _parent_of(parent_ref, path, chain, at)
    parent, parent_lines, windowed = load_raw(parent_path, (*chain, path.resolve()))
    problems = _merge_events(parent, data, merge_mode, lines, file, parent_ref)
    if problems:
        raise ScenarioError(problems)
    replaced = _replaced(parent, data)
    if merge_mode == "append":
        replaced.discard(("events",))  # the inherited events stay where they are
    windowed |= {loc for loc in replaced if loc in PERIOD_KEYS and parent[loc[0]] != data[loc[0]]}
    return _deep_merge(parent, data), _merged_lines(parent_lines, lines, replaced), windowed
