"""The model's compiled loops (numba) are loaded on first use, or compiled on the first
run after installing (about ten seconds; numba keeps them on disk for later processes)."""

from __future__ import annotations


def load_compiled_loops() -> None:
    """Load (or compile) every compiled loop now by simulating one month of a tiny
    baseline: commands call it before their progress bar starts, and before worker
    processes are spawned, so the workers load what the parent compiled."""
    from overplay.model.leverage_model import LeverageModel

    LeverageModel("baseline", firms=2, years=1, record_tables=False).run(1)
