"""Mesa < 3.4.2 keeps a class-level agent id counter per model, which keeps every
model alive; the model releases it once built and restores it briefly to add agents
mid-run (entrants, subsidised producers)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import mesa


class ReleasedAgentIds:
    """The id counter a built model took out of Mesa's registry (None on a Mesa
    without one)."""

    def __init__(self, model: mesa.Model) -> None:
        ids = getattr(mesa.Agent, "_ids", None)
        self.counter: Any = ids.pop(model) if isinstance(ids, dict) and model in ids else None

    @contextlib.contextmanager
    def registering(self, model: mesa.Model) -> Iterator[None]:
        """Put the counter back while ``model`` creates agents."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict) and self.counter is not None:
            ids[model] = self.counter
            try:
                yield
            finally:
                self.counter = ids.pop(model, self.counter)
        else:
            yield
