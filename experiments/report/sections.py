"""What each kind of result says in tables: the key numbers, the setup, the manifest."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from experiments.report.words import scenario_words

Section = tuple[str, str]  # (heading, HTML body)


def table(frame: pd.DataFrame, caption: str = "") -> str:
    """A compact HTML table: thousands separators, 3 significant digits for fractions."""
    def cell(value: Any) -> str:
        """Numbers right-aligned (class num), text left."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"<td>{escape(str(value))}</td>"
        if pd.isna(value):
            return '<td class="num">–</td>'
        shown = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() \
            else f"{value:.3g}"
        return f'<td class="num">{shown}</td>'

    numeric = ['<th class="num">' if frame[c].dtype.kind in "iuf" else "<th>"
               for c in frame.columns]
    head = "".join(f"{opening}{escape(str(c))}</th>"
                   for c, opening in zip(frame.columns, numeric, strict=True))
    rows = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _scenario(folder: Path, name: str = "scenario.resolved.yaml") -> dict[str, Any] | None:
    path = folder / name
    return yaml.safe_load(path.read_text()) if path.exists() else None


def run_sections(folder: Path) -> list[Section]:
    summary = json.loads((folder / "summary.json").read_text())
    materials = pd.DataFrame([
        {"material": m,
         "China's separation share": f"{v['china_processing_share_initial']:.3g} → "
                                     f"{v['china_processing_share_final']:.3g}",
         "China's mining share": f"{v['china_mining_share_initial']:.3g} → "
                                 f"{v['china_mining_share_final']:.3g}",
         "peak price (× reference)": v["peak_price_multiple"], "peak month":
         v["peak_price_date"], "years until separation share < 80 %":
         v["years_to_processing_share_below_80pct"]
         if v["years_to_processing_share_below_80pct"] is not None else "never",
         "non-China separation capacity at the end (t/yr)":
         v["non_china_processing_capacity_final"]}
        for m, v in summary["materials"].items()])
    states = pd.DataFrame([{"player": p, "discounted payoff (USD m)": v["cumulative_payoff"]}
                           for p, v in summary["players"].items() if "exited" not in v
                           and not p.startswith("firms_")])
    producers = pd.DataFrame([
        {"producer": p, "discounted profit (USD m)": v["cumulative_payoff"],
         "exited": "yes" if v["exited"] else "no"}
        for p, v in summary["players"].items() if "exited" in v and v["cumulative_payoff"]])
    restrictions = ", ".join(f"{k}: {v}" for k, v in summary["restriction_rounds"].items())
    scenario = _scenario(folder) or {}
    return [
        ("The scenario in plain words", "".join(f"<p>{p}</p>" for p in
                                                scenario_words(scenario))),
        ("Key numbers", table(materials, "Per material group") + table(
            states, f"States (discount rate {summary['discount_rate_per_year']:.0%} a year)")
         + table(producers, "Producers outside China that traded")
         + f"<p>Decision rounds with each restriction: {escape(restrictions)}. New producers "
           f"outside China: {summary['entrants']}; exits: {summary['exits']}.</p>"),
    ]


def sweep_sections(folder: Path) -> list[Section]:
    spec = _scenario(folder, "spec.resolved.yaml") or {}
    runs = pd.read_parquet(folder / "runs.parquet")
    inputs = pd.DataFrame([
        {"input": p["name"], "role": {"uncertainties": "uncertainty", "levers": "lever"}[role],
         "scenario key": p["key"], "kind": p["kind"],
         "values": ", ".join(map(str, p["values"])) if p.get("values")
         else f"{p['low']:g} to {p['high']:g}"}
        for role in ("uncertainties", "levers") for p in spec.get(role) or []])
    outcomes = [c for c in spec.get("outcomes", []) if c in runs]
    described = runs[outcomes].describe().T.reset_index().rename(columns={"index": "outcome"})
    failed = int((runs["status"] != "ok").sum())
    design = spec.get("design", {})
    text = (f"<p>Sweep <b>{escape(spec.get('name', ''))}</b> of the scenario "
            f"<code>{escape(str(spec.get('scenario')))}</code>: {len(runs):,} runs "
            f"({failed} failed), design <code>{escape(design.get('method', ''))}</code>, "
            f"{spec.get('replicates')} replicate(s) per point, seeds "
            f"<code>{escape(spec.get('seeds', 'per_run'))}</code>, root seed "
            f"{spec.get('seed')}. Overrides for every run: "
            f"{escape(json.dumps(spec.get('overrides') or {}))}.</p>")
    return [("The experiment", text + table(inputs, "Inputs")),
            ("Outcomes over all runs", table(described[["outcome", "count", "mean", "std",
                                                         "min", "max"]]))]


def tournament_sections(folder: Path) -> list[Section]:
    ranking = pd.read_parquet(folder / "ranking.parquet")
    keep = [c for c in ("rank", "china_strategy", "china_payoff_mean", "china_payoff_ci95_low",
                        "china_payoff_ci95_high", "importers_payoff_mean",
                        "china_processing_share_final_light_mean") if c in ranking]
    spec = _scenario(folder, "spec.resolved.yaml") or {}
    text = (f"<p>Tournament <b>{escape(spec.get('name', ''))}</b>: every China strategy "
            f"against every importer profile, {spec.get('replicates')} seeds each, "
            f"{spec.get('years')} years per match. Payoffs are discounted USD m.</p>")
    return [("The tournament", text), ("Ranking", table(ranking[keep]))]


def equilibrium_sections(folder: Path) -> list[Section]:
    document = json.loads((folder / "equilibria.json").read_text())
    rows = []
    for part in ("stage_game", "meta_game"):
        for number, eq in enumerate(document.get(part, {}).get("equilibria", []), start=1):
            for player, mix in eq["strategies"].items():
                played = ", ".join(f"{s} ({p:.2f})" for s, p in mix.items() if p > 1e-9)
                rows.append({"game": part.replace("_", " "), "equilibrium": number,
                             "player": player, "plays (probability)": played,
                             "payoff (USD m)": eq["payoffs"][player]})
    sections = [("Equilibria", table(pd.DataFrame(rows)))]
    if "discount_sweep" in document:
        sweep = pd.DataFrame([{"annual discount rate": r["discount_rate"],
                               "China strategies in equilibrium":
                               ", ".join(r["china_strategies_in_equilibrium"]) or "—"}
                              for r in document["discount_sweep"]])
        sections.append(("Patience and equilibrium", table(sweep)))
    return sections


def manifest_section(folder: Path) -> Section:
    manifest = json.loads((folder / "manifest.json").read_text())
    shown = {k: v for k, v in manifest.items() if k not in ("seeds", "match_seeds", "problem")}
    rows = pd.DataFrame([{"key": k, "value": json.dumps(v) if isinstance(v, dict | list)
                          else v} for k, v in shown.items()])
    return ("Provenance (manifest.json)", table(rows))


SECTIONS = {"run": run_sections, "sweep": sweep_sections, "tournament": tournament_sections,
            "equilibrium": equilibrium_sections}
