"""Sweeps lose nothing and mix nothing: one sweep per folder, resume refused after a
scenario changed, damaged files named or set aside, workers that die with the sweep,
a killed worker's chunk retried, SIGTERM like Ctrl-C, lean worker start-up."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import ClassVar

import pandas as pd
import psutil
import pytest

from overplay.experiments.errors import MachineError, UserError
from overplay.experiments.sweep import executors
from overplay.experiments.sweep.executors import ChunkQueue, dask_client, execute
from overplay.experiments.sweep.lock import folder_lock
from overplay.experiments.sweep.runner import configurations, run_sweep
from overplay.experiments.sweep.spec import load_sweep
from overplay.experiments.sweep.store import check_sweep_folder
from overplay.model.problems import ScenarioError
from tests import sweep_workers

ROOT = Path(__file__).resolve().parents[2]
SPEC = """\
name: safety
scenario: {scenario}
overrides: {{years: 1, firms.count: 10}}
uncertainties:
  - {{name: elasticity, key: materials.light.price_elasticity, kind: real, low: 0.1, high: 0.4}}
levers:
  - {{name: china_strategy, key: china.strategy, kind: categorical,
      values: [always_open, periodic_coercion]}}
design: {{method: latin_hypercube, samples: {samples}}}
seed: 5
outcomes: [china_processing_share_final_light, payoff_china]
per_round: {per_round}
"""
BASE = "extends: parent.yaml\nname: base\n"
PARENT = "extends: baseline\nname: parent\npayoffs:\n  discount_rate_per_year: 0.05\n"


def _spec(
    folder: Path, samples: int = 4, per_round: str = "none", scenario: str = "base.yaml"
) -> Path:
    """A tiny sweep of ``base.yaml``, which extends ``parent.yaml``, which extends baseline."""
    (folder / "base.yaml").write_text(BASE)
    (folder / "parent.yaml").write_text(PARENT)
    path = folder / "spec.yaml"
    path.write_text(SPEC.format(scenario=scenario, samples=samples, per_round=per_round))
    return path


# -- one sweep per folder -------------------------------------------------------------
def test_a_second_sweep_into_a_busy_folder_is_refused_and_the_lock_dies_with_its_holder(tmp_path):
    spec_file = _spec(tmp_path)
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; "
            "from experiments.sweep.lock import folder_lock\n"
            "with folder_lock(Path(sys.argv[1])): print('held', flush=True); sys.stdin.read()",
            str(out),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(UserError, match=rf"another sweep .*pid {holder.pid}.*--out"):
            run_sweep(load_sweep(spec_file), spec_file, out, "serial")
        assert not (out / "manifest.json").exists()  # refused before touching the folder
    finally:
        holder.kill()  # SIGKILL: the kernel releases the lock, nothing stale is left
        holder.wait()
    table = run_sweep(load_sweep(spec_file), spec_file, out, "serial")
    assert len(table) == 4 and table["run_id"].is_unique


def test_the_lock_is_held_for_the_whole_sweep(tmp_path):
    spec_file = _spec(tmp_path)
    with folder_lock(tmp_path / "out"), pytest.raises(UserError, match="another sweep"):
        run_sweep(load_sweep(spec_file), spec_file, tmp_path / "out", "serial")


PAUSED_SWEEP = """\
import sys
from pathlib import Path
from overplay.experiments.sweep.runner import run_sweep
from overplay.experiments.sweep.spec import load_sweep


def pause_after_first_chunk(done, total):
    if done:  # a chunk is stored and the lock held: let the test start another sweep
        print("paused", flush=True)
        sys.stdin.readline()


spec_file, out = Path(sys.argv[1]), Path(sys.argv[2])
run_sweep(load_sweep(spec_file), spec_file, out, "serial", progress=pause_after_first_chunk)
"""


def test_two_real_sweeps_into_one_folder_at_once_the_second_is_refused(tmp_path):
    spec_file = _spec(tmp_path, per_round="all")
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSED_SWEEP, str(spec_file), str(out)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline() == "paused\n", first.stderr.read()
        with pytest.raises(UserError, match=rf"another sweep .*pid {first.pid}"):
            run_sweep(load_sweep(spec_file), spec_file, out, "serial")
        first.communicate("go\n" * 8, timeout=300)
        assert first.returncode == 0
    finally:
        first.kill()
        first.wait()
    runs = pd.read_parquet(out / "runs.parquet")
    rounds = pd.read_parquet(out / "rounds")
    assert sorted(runs["run_id"]) == list(range(4))
    assert set(rounds["run_id"]) == set(runs["run_id"])
    assert not rounds.duplicated(["run_id", "step", "material", "importer"]).any()


# -- only a sweep's own folder --------------------------------------------------------
def test_a_folder_holding_other_files_is_refused_before_anything_is_written(tmp_path):
    spec_file = _spec(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (out / name).write_text("hi")
    with pytest.raises(
        UserError,
        match=rf"^{out}: not a sweep folder \(holds a.txt, b.txt, "
        r"c.txt, \.\.\.\); choose another --out$",
    ):
        run_sweep(load_sweep(spec_file), spec_file, out, "serial")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "c.txt", "d.txt"]


def test_a_folder_with_only_a_sweeps_own_names_is_a_sweep_folder(tmp_path):
    stopped = tmp_path / "stopped"  # killed before its manifest; holding a compare's spec
    for name in ("parts", "rounds", "figures"):
        (stopped / name).mkdir(parents=True)
    (stopped / "compare.yaml").write_text("name: c\n")
    (stopped / ".lock").write_text("")
    check_sweep_folder(stopped)
    check_sweep_folder(tmp_path / "new")
    assert not (tmp_path / "new").exists()


# -- resume only what the same scenarios produced -------------------------------------
@pytest.mark.parametrize(
    "edited, change",
    [
        ("base.yaml", ("name: base\n", "name: base\nfirms:\n  count: 12\n")),
        ("parent.yaml", ("0.05", "0.07")),
    ],
)
def test_resume_after_the_base_scenario_or_its_parent_changed_is_refused(tmp_path, edited, change):
    spec_file = _spec(tmp_path)
    spec_file.write_text(spec_file.read_text().replace(", firms.count: 10", ""))
    out = tmp_path / "out"
    run_sweep(load_sweep(spec_file), spec_file, out, "serial")
    run_sweep(load_sweep(spec_file), spec_file, out, "serial")  # unchanged: resumes
    path = tmp_path / edited
    path.write_text(path.read_text().replace(*change))
    with pytest.raises(ScenarioError, match="scenario files") as error:
        run_sweep(load_sweep(spec_file), spec_file, out, "serial")
    assert error.value.problems[0].path == "scenario_hash"


def test_resume_after_a_compared_scenario_changed_is_refused(tmp_path):
    spec_file = _spec(tmp_path)
    spec_file.write_text(
        spec_file.read_text().replace(
            "  - {name: china_strategy",
            "  - {name: scenario, key: scenario, kind: categorical,"
            " values: [baseline, parent.yaml]}\n  - {name: china_strategy",
        )
    )
    out = tmp_path / "out"
    run_sweep(load_sweep(spec_file), spec_file, out, "serial")
    (tmp_path / "parent.yaml").write_text(PARENT.replace("0.05", "0.07"))
    with pytest.raises(ScenarioError, match="scenario files"):
        run_sweep(load_sweep(spec_file), spec_file, out, "serial")


# -- damaged files --------------------------------------------------------------------
DAMAGE = {
    "truncated": lambda b: b[: len(b) // 2],
    "garbage": lambda b: b"\x00garbage" * 40,
    "empty": lambda b: b"",
}


@pytest.mark.parametrize("which", ["parts/runs-", "rounds/rounds-"])
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_part_is_set_aside_and_its_runs_redone(tmp_path, capsys, which, damage):
    spec_file = _spec(tmp_path, per_round="all")
    spec = load_sweep(spec_file)
    out = tmp_path / "out"
    whole = run_sweep(spec, spec_file, out, "serial")
    folder, prefix = which.split("/")
    part = sorted((out / folder).glob(f"{prefix}*.parquet"))[0]
    part.write_bytes(DAMAGE[damage](part.read_bytes()))
    resumed = run_sweep(spec, spec_file, out, "serial")
    pd.testing.assert_frame_equal(resumed, whole)
    assert (out / "damaged" / part.name).exists()
    assert f"{part}: damaged" in capsys.readouterr().err
    rounds = pd.read_parquet(out / "rounds")
    assert not rounds.duplicated(["run_id", "step", "material", "importer"]).any()
    assert set(rounds["run_id"]) == set(whole["run_id"])


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2]"])
def test_a_damaged_manifest_is_refused_with_what_to_do(tmp_path, text):
    spec_file = _spec(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep(spec_file), spec_file, out, "serial")
    (out / "manifest.json").write_text(text)
    with pytest.raises(UserError, match=r"manifest.json: damaged .*delete this file"):
        run_sweep(load_sweep(spec_file), spec_file, out, "serial")


def test_a_folder_holding_another_kind_of_result_is_refused(tmp_path):
    spec_file = _spec(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"kind": "run"}')
    with pytest.raises(UserError, match="holds a run result, not a sweep"):
        run_sweep(load_sweep(spec_file), spec_file, out, "serial")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]  # no lock either


# -- worker processes -----------------------------------------------------------------
def _runs(tmp_path: Path, samples: int = 8) -> list:
    spec_file = _spec(tmp_path, samples=samples)
    return configurations(load_sweep(spec_file), spec_file)[0]


def test_a_killed_workers_chunk_is_retried_in_a_new_pool(tmp_path):
    runs = _runs(tmp_path)
    results = [
        row
        for chunk in execute(runs, "processes", 2, None, work=sweep_workers.die_once_then_run)
        for row, _ in chunk
    ]
    assert (tmp_path / "a-worker-died").exists()
    assert sorted(r["run_id"] for r in results) == list(range(8))
    assert all(r["status"] == "ok" for r in results)


def test_a_chunk_whose_worker_always_dies_stops_the_sweep_with_a_clear_error(tmp_path):
    with pytest.raises(MachineError, match=r"died 3 times .*run the same command again"):
        list(execute(_runs(tmp_path), "processes", 2, None, work=sweep_workers.always_die))


class _PoolOfDeaths:
    """A stand-in worker pool that runs nothing: its futures are settled by
    ``settle`` in the test, which plays a process pool whose workers die."""

    chunks: ClassVar[dict[Future, list]] = {}

    def __init__(self, workers: int) -> None:
        pass

    def __enter__(self) -> _PoolOfDeaths:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def submit(self, work, chunk) -> Future:
        future = Future()
        self.chunks[future] = chunk
        return future


def test_only_a_chunk_that_kills_its_worker_alone_is_blamed(tmp_path, monkeypatch):
    """Runs 1, 2 and 3 each kill their worker once; run 0 shares the pool with each death
    and must not be blamed for them (it was, three times, when every chunk in a broken
    pool was counted)."""
    killers = {1, 2, 3}

    def settle(pending, return_when=None):
        """Like a process pool: a killer breaks the pool and fails every chunk in it;
        otherwise one chunk finishes."""
        if settled := {f for f in pending if f.done()}:
            return settled, set(pending) - settled
        chunks = {f: _PoolOfDeaths.chunks[f] for f in pending}
        killer = next((f for f, c in chunks.items() if c[0].run_id in killers), None)
        if killer is not None:
            killers.discard(chunks[killer][0].run_id)
            for future in pending:
                future.set_exception(BrokenProcessPool("a worker died"))
            return set(pending), set()
        future = next(iter(pending))
        future.set_result([({"run_id": r.run_id}, None) for r in chunks[future]])
        return {future}, set(pending) - {future}

    monkeypatch.setattr(executors, "WorkerPool", _PoolOfDeaths)
    monkeypatch.setattr(executors, "wait", settle)
    rows = [row for chunk in execute(_runs(tmp_path), "processes", 2, None) for row, _ in chunk]
    assert sorted(r["run_id"] for r in rows) == list(range(8)) and not killers


class _PoolBrokenWhileSubmitting(_PoolOfDeaths):
    """The first pool's worker dies between two submissions: the second ``submit``
    raises, as ``ProcessPoolExecutor.submit`` does on a broken pool."""

    chunks: ClassVar[dict[Future, list]] = {}
    broke: ClassVar[list[bool]] = [False]

    def submit(self, work, chunk) -> Future:
        if self.chunks and not self.broke[0]:
            self.broke[0] = True
            for future in self.chunks:
                future.set_exception(BrokenProcessPool("a worker died"))
            raise BrokenProcessPool("a worker died")
        return super().submit(work, chunk)


def test_a_pool_that_breaks_while_work_is_submitted_loses_no_run(tmp_path, monkeypatch):
    """A worker can die between the last wait and the next submission; the sweep used to
    stop with a BrokenProcessPool traceback (seen in CI)."""
    chunks = _PoolBrokenWhileSubmitting.chunks

    def settle(pending, return_when=None):
        if settled := {f for f in pending if f.done()}:
            return settled, set(pending) - settled
        future = next(iter(pending))
        future.set_result([({"run_id": r.run_id}, None) for r in chunks[future]])
        return {future}, set(pending) - {future}

    monkeypatch.setattr(executors, "WorkerPool", _PoolBrokenWhileSubmitting)
    monkeypatch.setattr(executors, "wait", settle)
    rows = [row for chunk in execute(_runs(tmp_path), "processes", 2, None) for row, _ in chunk]
    assert _PoolBrokenWhileSubmitting.broke[0]
    assert sorted(r["run_id"] for r in rows) == list(range(8))


def test_workers_do_not_import_the_command_line(tmp_path):
    script = tmp_path / "main.py"
    script.write_text(
        textwrap.dedent(f"""\
        import json, sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        import overplay.experiments.cli  # this __main__ imports the command line, as overplay does
        from overplay.experiments.sweep.executors import execute
        from overplay.experiments.sweep.runner import configurations
        from overplay.experiments.sweep.spec import load_sweep
        from tests import sweep_workers

        if __name__ == "__main__":
            spec_file = Path(sys.argv[1])
            runs = configurations(load_sweep(spec_file), spec_file)[0][:2]
            rows = [r for c in execute(runs, "processes", 1, None,
                                       work=sweep_workers.loaded_modules) for r, _ in c]
            print(json.dumps(rows))
        """)
    )
    from json import loads

    proc = subprocess.run(
        [sys.executable, str(script), str(_spec(tmp_path))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = loads(proc.stdout)
    assert rows and all(not r["overplay.experiments.cli"] and not r["typer"] for r in rows)
    assert all(r["overplay.model.leverage_model"] for r in rows)  # preloaded by the forkserver


def _workers_of(folder: Path, count: int, process: subprocess.Popen) -> list[psutil.Process]:
    """The worker processes, once ``count`` of them have left their pid in ``folder``."""
    deadline = time.monotonic() + 120
    while len(pids := list(folder.glob("worker-*.pid"))) < count:
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    return [psutil.Process(int(p.stem.split("-")[1])) for p in pids]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_sweep_leaves_no_worker_behind(tmp_path, how):
    script = textwrap.dedent(f"""\
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from overplay.experiments.sweep.executors import execute
        from overplay.experiments.sweep.runner import configurations
        from overplay.experiments.sweep.spec import load_sweep
        from tests import sweep_workers

        if __name__ == "__main__":
            spec_file = Path(sys.argv[1])
            runs = configurations(load_sweep(spec_file), spec_file)[0]
            for chunk in execute(runs, "processes", 2, None, work=sweep_workers.sleep_forever):
                pass
        """)
    (tmp_path / "main.py").write_text(script)
    main = subprocess.Popen(
        [sys.executable, "main.py", str(_spec(tmp_path))],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = _workers_of(tmp_path, 2, main)
    try:
        main.send_signal(how)
        main.wait(timeout=120)
        assert not psutil.wait_procs(workers, timeout=60)[1]  # none alive
    finally:
        for worker in workers:
            if worker.is_running():
                worker.kill()


def test_sigterm_stops_a_sweep_like_ctrl_c_keeping_finished_runs(tmp_path):
    spec_file = _spec(tmp_path, samples=240)
    out = tmp_path / "out"
    sweep = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "overplay.experiments.cli",
            "sweep",
            str(spec_file),
            "--workers",
            "2",
            "--quiet",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list((out / "parts").glob("runs-*.parquet")):
        assert sweep.poll() is None and time.monotonic() < deadline, sweep.stderr.read()
        time.sleep(0.02)
    workers = psutil.Process(sweep.pid).children(recursive=True)
    try:
        sweep.send_signal(signal.SIGTERM)
        stderr = sweep.communicate(timeout=120)[1]
        assert sweep.returncode == 130, stderr
        assert "run the same command again" in stderr and "Traceback" not in stderr
        assert not (out / "runs.parquet").exists()  # it was stopped, not finished
        assert not psutil.wait_procs(workers, timeout=60)[1]  # none alive
    finally:
        for worker in workers:
            if worker.is_running():
                worker.kill()
    stored = pd.concat(pd.read_parquet(p) for p in (out / "parts").glob("runs-*.parquet"))
    assert stored["run_id"].is_unique and (stored["status"] == "ok").all()


# -- chunks and the Dask cluster ------------------------------------------------------
def _chunk_sizes(runs: int, workers: int) -> list[int]:
    queue = ChunkQueue(list(range(runs)))
    sizes = []
    while queue:
        sizes.append(len(queue.take(workers)))
    return sizes


def test_big_sweeps_get_fewer_larger_parts_and_every_run_once():
    small = _chunk_sizes(120, 2)
    assert sum(small) == 120 and max(small) == 15 and small[-1] == 1
    assert small == sorted(small, reverse=True)  # shrinking toward the end
    assert len(small) > 120 / executors.SMALL_CHUNK  # a small sweep is not one part
    big = _chunk_sizes(10_000, 2)
    assert sum(big) == 10_000 and len(big) <= 4 * executors.PARTS_PER_WORKER
    assert sum(_chunk_sizes(10_000, 8)) == 10_000 and max(_chunk_sizes(10_000, 8)) == 19


def test_chunks_follow_a_growing_cluster():
    queue = ChunkQueue(list(range(10_000)))
    small = len(queue.take(1))
    assert len(queue.take(32)) < small  # more workers, smaller shares each


class _Cluster:
    """A stand-in for a Dask client whose cluster grows from one to four threads."""

    def __init__(self) -> None:
        self.threads = 1
        self.submitted = 0

    def nthreads(self) -> dict[str, int]:
        return {f"worker-{i}": 1 for i in range(self.threads)}

    def submit(self, work, chunk, pure):
        self.submitted += 1
        return chunk


class _Running(list):
    def count(self) -> int:
        return len(self)

    def add(self, future) -> None:
        self.append(future)


def test_the_dask_window_grows_with_the_cluster():
    client, running = _Cluster(), _Running()
    queue = ChunkQueue(list(range(1000)))
    executors.top_up(client, running, queue, sweep_workers.loaded_modules)
    assert client.submitted == executors.IN_FLIGHT
    client.threads = 4
    executors.top_up(client, running, queue, sweep_workers.loaded_modules)
    assert client.submitted == executors.IN_FLIGHT * 4


@pytest.mark.parametrize(
    "address, message",
    [
        ("tcp://127.0.0.1:9", "cannot reach the Dask scheduler at tcp://127"),
        ("foo", "--scheduler foo: not a scheduler address"),
        ("tcp://127.0.0.1", "not a scheduler address .*missing port"),
    ],
)
def test_a_bad_scheduler_is_one_clear_machine_error_leaving_nothing(
    tmp_path, monkeypatch, address, message
):
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "1s")
    spec_file = _spec(tmp_path)
    with pytest.raises(MachineError, match=message):
        run_sweep(load_sweep(spec_file), spec_file, tmp_path / "out", "dask", scheduler=address)
    assert not (tmp_path / "out").exists()


def test_a_chunk_that_keeps_killing_dask_workers_is_a_machine_error(tmp_path):
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        dask_client(1, None) as client,
        pytest.raises(MachineError, match=r"Dask workers died repeatedly .*run the same"),
    ):
        list(execute(_runs(tmp_path, samples=1), "dask", 1, client, work=sweep_workers.always_die))
