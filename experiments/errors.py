"""What the command line turns into one clear line and an exit code, never a traceback.

- :class:`UserError` — the user's input or request is refused (exit 2): a folder that
  holds another kind of result, a sweep already running into the same folder, a damaged
  part file to set aside. Located scenario problems stay
  :class:`overplay.model.problems.ScenarioError`.
- :class:`MachineError` — the machine cannot do what was asked (exit 1): a read-only or
  full disk, an unreachable Dask scheduler. Plain ``OSError`` is treated the same way.
"""

from __future__ import annotations


class UserError(ValueError):
    """Refused input or request: printed as is, exit 2."""


class MachineError(RuntimeError):
    """The environment failed (disk, network, permissions): printed as is, exit 1."""
