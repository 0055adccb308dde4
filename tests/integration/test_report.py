"""``overplay report``: one self-contained HTML page per result, every section present,
figures embedded (the page in a browser: ``tests/browser/test_report_browser.py``)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from overplay.experiments.report import write_report
from tests import results

SECTIONS = {
    "run": ["The scenario in plain words", "Key numbers", "Figures", "Provenance (manifest.json)"],
    "tournament": ["The tournament", "Ranking", "Figures", "Provenance (manifest.json)"],
    "equilibrium": [
        "Equilibria",
        "Patience and equilibrium",
        "Figures",
        "Provenance (manifest.json)",
    ],
    "sweep": [
        "The experiment",
        "Outcomes over all runs",
        "Figures",
        "Outcomes per design point",
        "Provenance (manifest.json)",
    ],
}


def _headings(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def _self_contained(page: str) -> None:
    assert "<script" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r'(href|src)="https?://', page)


def test_run_report_has_every_section_and_embeds_every_figure(run_result):
    page = write_report(run_result).read_text()
    assert _headings(page) == SECTIONS["run"]
    _self_contained(page)
    assert page.count("<figure") == 8  # the whole dashboard
    assert "crisis_2010" in page and "2010-10: china — ban toward japan" in page
    assert "<code>hold</code>" in page  # China's strategy, in words
    assert "Prices inside and outside China" in page  # a caption from the figure


@pytest.mark.parametrize("kind", ["tournament", "equilibrium", "factorial", "compare"])
def test_other_reports_have_their_sections(kind, request, result_root):
    if kind in results.SWEEPS or kind == "compare":
        folder = result_root / kind
        if not (folder / "runs.parquet").exists():
            results.make_sweep(result_root, kind)
        kind_shown = "sweep"
    else:
        folder, kind_shown = request.getfixturevalue(f"{kind}_result"), kind
    page = write_report(folder).read_text()
    assert _headings(page) == SECTIONS[kind_shown]
    _self_contained(page)
    assert page.count("<figure") >= 1


def test_report_command_and_bad_folder(run_result, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", "report", str(run_result)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (run_result / "report.html").stat().st_size > 100_000
    proc = subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", "report", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert not (tmp_path / "report.html").exists()
