"""Session fixtures: small real result folders, made once for all figure and report
tests (see ``tests/results.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import results


@pytest.fixture(scope="session")
def result_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("results")


@pytest.fixture(scope="session")
def run_result(result_root: Path) -> Path:
    return results.make_run(result_root)


@pytest.fixture(scope="session")
def tournament_result(result_root: Path) -> Path:
    return results.make_tournament(result_root)


@pytest.fixture(scope="session")
def equilibrium_result(result_root: Path) -> Path:
    return results.make_equilibrium(result_root)


@pytest.fixture(scope="session", params=[*results.SWEEPS, "compare"])
def sweep_result(request: pytest.FixtureRequest, result_root: Path) -> Path:
    """Each sweep design in turn (and a two-scenario comparison with per-step data)."""
    folder = result_root / request.param
    return (
        folder
        if (folder / "runs.parquet").exists()
        else results.make_sweep(result_root, request.param)
    )
