"""The debrief: what the session did, against what the model does on its own and
against a counterfactual replay.

A replay starts from the session's first snapshot and plays every resolved round again
with the stored decisions and news cards, so with nothing changed it ends exactly where
the session did (same seed, same random streams). A counterfactual changes one thing:
China played by ``calibrated_restraint`` throughout, or China's decision of one round
left out. The baseline is the scenario with no teams and no news, on the same seed.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from overplay.agents.strategies.base import make_strategy
from overplay.agents.strategies.human import HumanChannel
from overplay.classroom.seminar import session
from overplay.classroom.seminar.news import Card
from overplay.classroom.seminar.store import Store
from overplay.classroom.seminar.views import country_name
from overplay.classroom.words import sentence
from overplay.experiments.plots.theme import PALETTE, themed
from overplay.model.leverage_model import LeverageModel

RESTRAINT = "restraint"


@dataclass(frozen=True)
class Counterfactual:
    """One change to replay: ``china_restraint``, or China's decision of ``drop_round``
    left out."""

    china_restraint: bool = False
    drop_round: int | None = None

    @classmethod
    def parse(cls, text: str) -> Counterfactual:
        if text == RESTRAINT:
            return cls(china_restraint=True)
        if text.startswith("drop:") and text[5:].isdigit():
            return cls(drop_round=int(text[5:]))
        raise session.SeminarError(f"unknown counterfactual {text!r}: restraint or drop:<round>")

    def describe(self) -> str:
        if self.china_restraint:
            return "China plays calibrated restraint throughout"
        return f"China's decision of round {self.drop_round} left out"


def played_rounds(store: Store, session_id: str) -> int:
    with store.read() as db:
        row = db.execute(
            "SELECT count(*) AS n FROM events WHERE session_id = ? AND kind = 'resolved'",
            (session_id,),
        ).fetchone()
    return int(row["n"])


def replay(store: Store, session_id: str, change: Counterfactual | None = None) -> LeverageModel:
    """The session played again from its first snapshot, with one change or none."""
    with store.read() as db:
        first = db.execute(
            "SELECT model FROM snapshots WHERE session_id = ? AND round = 1", (session_id,)
        ).fetchone()
        if first is None:
            raise session.NotFoundError("no such session")
        submissions = db.execute(
            "SELECT round, country, decision FROM submissions WHERE session_id = ?", (session_id,)
        ).fetchall()
        news = db.execute(
            "SELECT round, card FROM news WHERE session_id = ? ORDER BY id", (session_id,)
        ).fetchall()
        teams = [
            r["country"]
            for r in db.execute("SELECT country FROM teams WHERE session_id = ?", (session_id,))
        ]
    model: LeverageModel = pickle.loads(first["model"])
    stored = {(r["round"], r["country"]): json.loads(r["decision"]) for r in submissions}
    if change and change.china_restraint:
        model.china.strategy = make_strategy("calibrated_restraint", {}, "china")
    current = {"round": 0}

    def decision(player: str, _observation: Any):
        key = (current["round"], player)
        if change and change.drop_round == key[0] and player == "china":
            return []
        return session.decision_actions(player, stored[key], model) if key in stored else None

    channel = HumanChannel(decision)
    for country in teams:
        strategy = model.player_agent(country).strategy
        if hasattr(strategy, "connect"):
            strategy.connect(channel)
    for round_ in range(1, played_rounds(store, session_id) + 1):
        current["round"] = round_
        for row in news:
            if row["round"] == round_:
                for item in Card.model_validate_json(row["card"]).actions:
                    model.apply(item.action())
        model.run(model.config.timing.decision_interval_months)
    return model


def baseline(store: Store, session_id: str) -> LeverageModel:
    """The scenario on its own (no teams, no news), as many months as were played."""
    state = session.session_state(store, session_id)
    model = LeverageModel(state.scenario, rng=state.seed)
    months = played_rounds(store, session_id) * model.config.timing.decision_interval_months
    return model.run(months)


def timeline(store: Store, session_id: str, model: LeverageModel) -> dict[str, list[dict]]:
    """Each team's rounds in words: who decided (the team, the facilitator for it, or
    its strategy) and what its country did."""
    with store.read() as db:
        played = db.execute(
            "SELECT round, country, detail FROM events WHERE session_id = ? AND kind = 'played' "
            "ORDER BY round",
            (session_id,),
        ).fetchall()
    interval = model.config.timing.decision_interval_months
    out: dict[str, list[dict]] = {}
    for row in played:
        first = (row["round"] - 1) * interval + 1
        steps = range(first, first + interval)
        words = [  # what the country decided; news cards are the facilitator's
            sentence(r)
            for r in model.action_log
            if r["actor"] == row["country"] and r["step"] in steps and r["source"] != "news"
        ]
        by = json.loads(row["detail"]).get("by", "strategy")
        out.setdefault(row["country"], []).append(
            {"round": row["round"], "by": by, "did": words or ["nothing new"]}
        )
    return out


def outcomes(runs: dict[str, LeverageModel], countries: list[str]) -> pd.DataFrame:
    """Each team's country: its payoff (USD m, undiscounted) in every run, and its
    shortage over the session (share of need unmet, mean over months and materials)."""
    shortages = {
        label: model.datacollector.get_table_dataframe("rounds")
        .groupby("importer")["shortage_fraction"]
        .mean()
        for label, model in runs.items()
    }
    rows = []
    for country in countries:
        row: dict[str, Any] = {"country": country_name(country)}
        for label, model in runs.items():
            row[f"payoff: {label}"] = float(model.payoff[country])
            if country != "china":
                row[f"shortage: {label}"] = float(shortages[label][country])
        rows.append(row)
    return pd.DataFrame(rows)


def figure(runs: dict[str, LeverageModel]) -> Figure:
    """Prices outside China and China's separation share, per run, month by month."""
    with themed():
        fig = Figure(figsize=(12.8, 5.2), dpi=100, layout="constrained")
        price, share = fig.subplots(1, 2)
        for (label, model), colour in zip(runs.items(), PALETTE, strict=False):
            table = model.datacollector.get_table_dataframe("rounds")
            world = table.drop_duplicates(["step", "material"])
            for material, style in zip(model.materials, ("-", "--"), strict=False):
                rows = world[world["material"] == material]
                price.plot(rows["step"], rows["price_ex_china"], style, color=colour,
                           label=f"{label}, {material}")  # fmt: skip
                share.plot(rows["step"], rows["china_processing_share"], style, color=colour,
                           label=f"{label}, {material}")  # fmt: skip
        price.set(title="Price outside China", xlabel="month of the session", ylabel="USD/kg")
        share.set(title="China's share of separation", xlabel="month of the session",
                  ylabel="fraction", ylim=(0, 1.02))  # fmt: skip
        price.legend(fontsize=8)
    return fig


def png_data_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
