"""What the seminar's pages show, read from a model: the public state every team
sees, a country's private state (only its own team sees it), and a round's outcome
in words."""

from __future__ import annotations

from typing import Any

import pandas as pd

from overplay.classroom.words import NAMES, material_words, sentence
from overplay.model.leverage_model import LeverageModel


def country_name(country: str) -> str:
    name = NAMES.get(country, country)
    return name[:1].upper() + name[1:]


def _last_rows(model: LeverageModel) -> pd.DataFrame:
    rounds = model.datacollector.get_table_dataframe("rounds")
    return rounds[rounds["step"] == rounds["step"].max()] if len(rounds) else rounds


def public_state(model: LeverageModel) -> dict[str, Any]:
    """Prices, China's shares and China's export policy toward each importer."""
    last = _last_rows(model)
    state: dict[str, Any] = {"date": model.date, "month": model.step_count, "materials": []}
    for material in model.materials:
        rows = last[last["material"] == material]
        if rows.empty:
            continue
        first = rows.iloc[0]
        state["materials"].append(
            {
                "name": material_words(material),
                "price_outside": float(first["price_ex_china"]),
                "price_china": float(first["price_china"]),
                "china_separation": float(first["china_processing_share"]),
                "china_mining": float(first["china_mining_share"]),
                "policy": {
                    country_name(r["importer"]): _regime(
                        r["china_policy"], r["licence_approval_rate"]
                    )
                    for _, r in rows.iterrows()
                },
            }
        )
    return state


def _regime(regime: str, approval: float) -> str:
    if regime == "licensing":
        return f"licences, {approval:.0%} approved"
    return regime


def private_state(model: LeverageModel, country: str) -> dict[str, Any]:
    """What only the country's own team sees: its payoff so far and, for an importer,
    its stocks, shortages, risk and spending."""
    state: dict[str, Any] = {"payoff": float(model.payoff.get(country, 0.0)), "materials": []}
    last = _last_rows(model)
    if country == "china":  # how each importer sees China: its reputation and their risk
        rows = last.drop_duplicates("importer") if len(last) else last
        state["importers"] = [
            {"name": country_name(r["importer"]), "reputation": float(r["reputation"]),
             "risk": float(r["perceived_risk"]), "dependence": float(r["china_dependence"])}
            for _, r in rows.iterrows()
        ]  # fmt: skip
        return state
    importer = model.importers[country]
    for material in model.materials:
        rows = last[(last["material"] == material) & (last["importer"] == country)]
        if rows.empty:
            continue
        row = rows.iloc[0]
        state["materials"].append(
            {
                "name": material_words(material),
                "stockpile_days": float(row["stockpile_days"]),
                "shortage": float(row["shortage_fraction"]),
                "risk": float(row["perceived_risk"]),
            }
        )
    state["subsidy_usd_m"] = float(sum(importer.subsidy.values()))
    state["research_usd_m"] = float(sum(importer.research.values()))
    return state


def round_sentences(model: LeverageModel, first_step: int) -> list[str]:
    """Every action and event since ``first_step``, in words."""
    return [sentence(row) for row in model.action_log if row["step"] >= first_step]
