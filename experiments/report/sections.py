"""What each kind of result says before its figures: the setup, the key tables, the
manifest. Sections carry data and name the template that lays them out; no HTML is
written here, so everything from a scenario or spec is escaped by the template."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from overplay.experiments.report.points import point_tables
from overplay.experiments.report.source import ResultFolder
from overplay.experiments.report.tables import number as table_number
from overplay.experiments.report.tables import table


@dataclass(frozen=True)
class Section:
    """A heading, the template (in ``templates/``) that shows it, and its data."""

    heading: str
    template: str
    data: Any


def _tables(*tables: Any, notes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Data for ``tables.html``."""
    return {"tables": list(tables), "notes": list(notes)}


#: A run summary's years-to-threshold keys; the threshold is part of the name.
YEARS_BELOW = re.compile(r"^years_to_processing_share_below_(\d+)pct$")


def _years_below(material: dict[str, Any]) -> dict[str, Any]:
    """One column per share threshold the run summarised (80 % unless asked)."""
    return {
        f"years until separation share < {found[1]} %": "never" if value is None else value
        for key, value in material.items()
        if (found := YEARS_BELOW.match(key))
    }


def run_sections(result: ResultFolder) -> list[Section]:
    summary = result.json("summary.json")
    materials = pd.DataFrame(
        [
            {
                "material": m,
                "China's separation share": f"{v['china_processing_share_initial']:.3g} → "
                f"{v['china_processing_share_final']:.3g}",
                "China's mining share": f"{v['china_mining_share_initial']:.3g} → "
                f"{v['china_mining_share_final']:.3g}",
                "peak price (× reference)": v["peak_price_multiple"],
                "peak month": v["peak_price_date"],
                **_years_below(v),
                "non-China separation capacity at the end (t/yr)": v[
                    "non_china_processing_capacity_final"
                ],
            }
            for m, v in summary["materials"].items()
        ]
    )
    states = pd.DataFrame(
        [
            {"player": p, "discounted payoff (USD m)": v["cumulative_payoff"]}
            for p, v in summary["players"].items()
            if "exited" not in v and not p.startswith("firms_")
        ]
    )
    producers = pd.DataFrame(
        [
            {
                "producer": p,
                "discounted profit (USD m)": v["cumulative_payoff"],
                "exited": "yes" if v["exited"] else "no",
            }
            for p, v in summary["players"].items()
            if "exited" in v and v["cumulative_payoff"]
        ]
    )
    rate = summary["discount_rate_per_year"]
    numbers = {
        "tables": [
            table(materials, "Per material group"),
            table(states, f"States (discount rate {rate:.0%} a year)"),
            table(producers, "Producers outside China that traded"),
        ],
        "restrictions": ", ".join(f"{k}: {v}" for k, v in summary["restriction_rounds"].items()),
        "entrants": summary["entrants"],
        "exits": summary["exits"],
    }
    return [
        Section(
            "The scenario in plain words", "scenario.html", result.yaml("scenario.resolved.yaml")
        ),
        Section("Key numbers", "run_numbers.html", numbers),
    ]


def sweep_sections(result: ResultFolder) -> list[Section]:
    spec = result.yaml("spec.resolved.yaml")
    runs = result.table("runs.parquet")
    inputs = pd.DataFrame(
        [
            {
                "input": p["name"],
                "role": {"uncertainties": "uncertainty", "levers": "lever"}[role],
                "scenario key": p["key"],
                "kind": p["kind"],
                "values": ", ".join(map(str, p["values"]))
                if p.get("values")
                else f"{p['low']:g} to {p['high']:g}",
            }
            for role in ("uncertainties", "levers")
            for p in spec.get(role) or []
        ]
    )
    outcomes = [c for c in spec.get("outcomes", []) if c in runs]
    described = runs[outcomes].describe().T.reset_index().rename(columns={"index": "outcome"})
    experiment = {
        "spec": spec,
        "runs": len(runs),
        "failed": int((runs["status"] != "ok").sum()),
        "overrides": json.dumps(spec.get("overrides") or {}),
        "inputs": table(inputs, "Inputs"),
    }
    return [
        Section("The experiment", "sweep_experiment.html", experiment),
        Section(
            "Outcomes over all runs",
            "tables.html",
            _tables(table(described[["outcome", "count", "mean", "std", "min", "max"]])),
        ),
    ]


def sweep_after_figures(result: ResultFolder) -> list[Section]:
    """The numbers behind the figures: each design point's outcomes."""
    return [Section("Outcomes per design point", "tables.html", point_tables(result))]


def tournament_sections(result: ResultFolder) -> list[Section]:
    ranking = result.table("ranking.parquet")
    keep = [
        c
        for c in (
            "rank",
            "china_strategy",
            "china_payoff_mean",
            "china_payoff_ci95_low",
            "china_payoff_ci95_high",
            "importers_payoff_mean",
            "china_processing_share_final_light_mean",
        )
        if c in ranking
    ]
    return [
        Section("The tournament", "tournament.html", result.yaml("spec.resolved.yaml")),
        Section("Ranking", "tables.html", _tables(table(ranking[keep]))),
    ]


def equilibrium_sections(result: ResultFolder) -> list[Section]:
    document = result.json("equilibria.json")
    rows = []
    for part in ("stage_game", "meta_game"):
        for number, eq in enumerate(document.get(part, {}).get("equilibria", []), start=1):
            for player, mix in eq["strategies"].items():
                played = ", ".join(f"{s} ({p:.2f})" for s, p in mix.items() if p > 1e-9)
                rows.append(
                    {
                        "game": part.replace("_", " "),
                        "equilibrium": number,
                        "player": player,
                        "plays (probability)": played,
                        "payoff (USD m)": eq["payoffs"][player],
                    }
                )
    sections = [Section("Equilibria", "tables.html", _tables(table(pd.DataFrame(rows))))]
    if "discount_sweep" in document:
        sweep = pd.DataFrame(
            [
                {
                    "annual discount rate": r["discount_rate"],
                    "China strategies in equilibrium": ", ".join(
                        r["china_strategies_in_equilibrium"]
                    )
                    or "—",
                }
                for r in document["discount_sweep"]
            ]
        )
        sections.append(Section("Patience and equilibrium", "tables.html", _tables(table(sweep))))
    return sections


def _fact_rows(facts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fact": facts["fact"] + facts["fitted"].map({True: "", False: " (not fitted)"}),
            "observed": facts["observed"],
            "simulated median": facts["median"],
            "90 % band": [
                f"{table_number(a)} – {table_number(b)}"
                for a, b in zip(facts["band_low"], facts["band_high"], strict=True)
            ],
            "tolerance": [
                f"±{t:.0%}" if k == "relative" else f"±{t:g}"
                for t, k in zip(facts["tolerance"], facts["tolerance_kind"], strict=True)
            ],
            "within": facts["within_tolerance"].map({True: "yes", False: "MISS"}),
            "what": facts["definition"],
        }
    )


def calibration_sections(result: ResultFolder) -> list[Section]:
    manifest = result.manifest
    spec = result.yaml("spec.resolved.yaml")
    priors = {p["name"]: p["prior"] for p in spec["parameters"]}
    point = pd.DataFrame(
        [
            {
                "parameter": name,
                "point estimate": value,
                "prior": f"{priors[name]['distribution']} {priors[name]['low']:g}–"
                f"{priors[name]['high']:g}",
            }
            for name, value in manifest["point"].items()
        ]
    )
    fit = result.table("fit.parquet")
    notes = (
        f"ABC-SMC: {manifest['generations']} generations, {manifest['simulations']} runs, "
        f"final epsilon {manifest['epsilon']:.3f} (root mean square deviation over the "
        "fitted facts, in declared tolerances; docs/validation.md).",
    )
    return [
        Section("The fit", "tables.html", _tables(table(point), notes=notes)),
        Section(
            "In-sample facts, the ensemble over the fit window",
            "tables.html",
            _tables(table(_fact_rows(fit), numeric=("90 % band",))),
        ),
    ]


def validation_sections(result: ResultFolder) -> list[Section]:
    manifest = result.manifest
    facts = result.table("facts.parquet")
    patterns = result.table("patterns.parquet")
    sections = []
    for sample, heading in (("in", "In sample"), ("out", "Out of sample")):
        rows = facts[facts["sample"] == sample]
        within = int(rows["within_tolerance"].sum())
        sections.append(
            Section(
                f"{heading}: {within} of {len(rows)} facts within tolerance",
                "tables.html",
                _tables(table(_fact_rows(rows), numeric=("90 % band",))),
            )
        )
    misses = facts.loc[~facts["within_tolerance"], "fact"].tolist()
    checks = pd.DataFrame(
        {
            "pattern": patterns["pattern"],
            "runs that show it": [
                f"{a} of {b}"
                for a, b in zip(patterns["runs_passed"], patterns["runs"], strict=True)
            ],
            "first run": patterns["measured_first_run"],
        }
    )
    notes = (
        f"{manifest['parameter_sets']} parameter sets of the calibrated ensemble × "
        f"{manifest['seeds']} seeds, fitted to facts up to {manifest['fit_window_end']}. "
        "Misses: " + (", ".join(misses) or "none") + ".",
    )
    sections.append(Section("Pattern checks", "tables.html", _tables(table(checks), notes=notes)))
    return sections


def revealed_sections(result: ResultFolder) -> list[Section]:
    decisions = result.table("decisions.parquet")
    brief = result.table("summary.parquet").set_index("strategy").T.reset_index()
    brief = brief.rename(columns={"index": ""})
    return [
        Section("China's decision points", "tables.html", _tables(table(decisions))),
        Section(
            "The weight region",
            "tables.html",
            _tables(
                table(brief),
                notes=(
                    "Weight sets that reproduce the most decision points, and the values of "
                    "each weight among them (docs/validation.md).",
                ),
            ),
        ),
    ]


def findings_sections(result: ResultFolder) -> list[Section]:
    effects = result.table("effects.parquet")
    manifest = result.manifest

    def band(stem: str, scale: float = 1.0) -> list[str]:
        return [
            f"{table_number(m * scale)} ({table_number(lo * scale)} – {table_number(hi * scale)})"
            for m, lo, hi in zip(
                effects[f"{stem}_median" if stem == "payoff_gain" else f"{stem}_change"],
                effects[f"{stem}_low"],
                effects[f"{stem}_high"],
                strict=True,
            )
        ]

    rows = pd.DataFrame(
        {
            "design point": effects["label"],
            "China's payoff gain, USD m: median (90 %)": band("payoff_gain"),
            "cases it pays": [f"{v:.0%}" for v in effects["pays_share"]],
            "pays while leverage is worth less than (USD m/importer-month)": [
                table_number(v) if v != float("inf") else "every value swept"
                for v in effects["break_even_leverage_value"]
            ],
            "change in light separation share": band("china_processing_share_final_light"),
            "change in heavy separation share": band("china_processing_share_final_heavy"),
        }
    )
    notes = (
        f"Against China never restricting on the same parameter set and seed; "
        f"{manifest['parameter_sets']} parameter sets × {manifest['seeds']} seeds × "
        f"{manifest['weight_sets']} weight sets of the region where a "
        f"{manifest['strategy']} reproduces {manifest['points_right']} of China's decision "
        f"points{_core_note(manifest)} (docs/findings.md).",
    )
    numeric = tuple(rows.columns[1:])
    return [
        Section(
            "Restriction against never restricting",
            "tables.html",
            _tables(table(rows, numeric=numeric), notes=notes),
        )
    ]


def manifest_section(result: ResultFolder) -> Section:
    shown = {
        k: v for k, v in result.manifest.items() if k not in ("seeds", "match_seeds", "problem")
    }
    rows = pd.DataFrame(
        [
            {"key": k, "value": json.dumps(v) if isinstance(v, dict | list) else v}
            for k, v in shown.items()
        ]
    )
    return Section("Provenance (manifest.json)", "tables.html", _tables(table(rows)))


#: Result kind → its sections before the figures, and after them.
BEFORE_FIGURES = {
    "run": run_sections,
    "sweep": sweep_sections,
    "tournament": tournament_sections,
    "equilibrium": equilibrium_sections,
    "calibration": calibration_sections,
    "validation": validation_sections,
    "revealed": revealed_sections,
    "findings": findings_sections,
}
AFTER_FIGURES = {"sweep": sweep_after_figures}


def _core_note(manifest: dict) -> str:
    """Findings weighed by the region's robust core say so (``--min-confidence``)."""
    share = manifest.get("min_confidence", 0.0)
    if not share:
        return ""
    return f", kept in it in at least {share:.0%} of resamples of the parameter sets"
