"""What players see when they decide: China's, an importer's and a producer's
observations, built from the model's public state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from overplay.agents.china import ExportPolicy
from overplay.agents.importer import ImporterState
from overplay.agents.observations import (
    ChinaObservation,
    ImporterObservation,
    PolicyView,
    ProducerObservation,
)
from overplay.agents.producers import Producer
from overplay.model.forecast import Forecaster
from overplay.model.units import DAYS_PER_MONTH, STAGES

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


@dataclass(frozen=True)
class SeenPolicy:
    """The view of one policy as shown in one step."""

    policy: ExportPolicy
    step: int
    view: PolicyView


class PolicyViews:
    """What players see of China's policy toward each (material, destination); the
    same view serves every observation of a step until the policy changes."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], SeenPolicy] = {}

    def of(self, model: LeverageModel, key: tuple[str, str]) -> PolicyView:
        policy = model.china.policy[key]
        seen = self.seen.get(key)
        if seen is None or seen.policy is not policy or seen.step != model.step_count:
            seen = SeenPolicy(policy, model.step_count, policy.view(model.step_count))
            self.seen[key] = seen
        return seen.view


def price_multiples(model: LeverageModel) -> dict[str, float]:
    return {m: model.price_x[m] / model.reference_price[m] for m in model.materials}


def _of_importer(model: LeverageModel, values: np.ndarray, importer: str) -> dict[str, float]:
    """One importer's row of an importers × materials array, by material."""
    row = values[model.importer_names.index(importer)].tolist()
    return dict(zip(model.materials, row, strict=True))


def _by_pair(model: LeverageModel, values: np.ndarray) -> dict[tuple[str, str], float]:
    """An importers × materials array keyed by (importer, material), material by
    material."""
    rows = values.tolist()
    return {
        (n, m): rows[i][j]
        for j, m in enumerate(model.materials)
        for i, n in enumerate(model.importer_names)
    }


def observe_china(model: LeverageModel) -> ChinaObservation:
    china = model.china
    return ChinaObservation(
        round=model.round,
        step=model.step_count,
        date=model.date,
        materials=tuple(model.materials),
        importers=tuple(model.importer_names),
        policy={k: model.policy_views.of(model, k) for k in china.policy},
        price_multiple=price_multiples(model),
        processing_share=dict(model.last.china_processing_share),
        diversification_momentum={m: model.diversification_momentum(m) for m in model.materials},
        reputation=dict(china.reputation),
        retaliation={n: s.retaliation for n, s in model.importers.items()},
        deal_offers={
            n: s.deal_offer for n, s in model.importers.items() if s.deal_offer is not None
        },
        leverage=_by_pair(model, model.last.leverage),
        quota_allowed=china.quota_allowed,
        tech_ban=china.tech_ban,
        price_war=dict(china.price_war),
        forecast=Forecaster(model, "china"),
        domestic_price_multiple={
            m: model.price_c[m] / model.reference_price[m] for m in model.materials
        },
        legal_output={
            m: (model.last.rows or {}).get(m, {}).get("china_legal_output", 0.0)
            for m in model.materials
        },
        reserve_t=dict(china.supply.reserve),
        reserve_rate=dict(china.supply.reserve_rate),
        enforcement=china.enforcement,
    )


def observe_importer(model: LeverageModel, state: ImporterState) -> ImporterObservation:
    materials = model.materials
    need = region_need_per_day(model, state.name)
    return ImporterObservation(
        name=state.name,
        round=model.round,
        step=model.step_count,
        date=model.date,
        materials=tuple(materials),
        allies=state.allies,
        risk=dict(state.risk),
        reputation_of_china=model.china.reputation[state.name],
        policy_toward_me={m: model.policy_views.of(model, (m, state.name)) for m in materials},
        shortage=_of_importer(model, model.last.shortage, state.name),
        price_multiple=price_multiples(model),
        stockpile_days={m: state.stockpile[m] / need[m] if need[m] > 0 else 0.0 for m in materials},
        stockpile_target_days=dict(state.stockpile_target_days),
        subsidy=dict(state.subsidy),
        research=dict(state.research),
        import_value_share=import_value_share(model, need),
        leverage=_of_importer(model, model.last.leverage, state.name),
        retaliating=state.retaliation,
        wto_case_filed=state.wto_filed_step is not None,
        coordinating=state.coordinating,
        deal_pending=state.deal_offer is not None,
        forecast=Forecaster(model, state.name),
        months_since_programme={m: state.months_since_programme(m) for m in materials},
        open_since_programme=dict(state.open_since_programme),
    )


def observe_producer(
    model: LeverageModel,
    producer: Producer | None,
    name: str,
    materials: tuple[str, ...],
    country: str,
    cost_factor: float,
) -> ProducerObservation:
    """A producer's view, or (``producer`` None) a prospective entrant's."""
    sc = model.config
    timing = sc.timing
    rules = sc.producer_rules
    pairs = [(m, s) for m in model.materials for s in STAGES]
    return ProducerObservation(
        name=name,
        step=model.step_count,
        materials=materials,
        greenfield=producer is None,
        capacity={k: (producer.total_capacity(*k) if producer else 0.0) for k in pairs},
        pipeline={k: (producer.pipeline(*k) if producer else 0.0) for k in pairs},
        expected_margin=model.expected_margins(country, cost_factor),
        hurdle_margin=rules.hurdle_margin,
        brownfield_probability=rules.brownfield_probability,
        greenfield_probability=rules.greenfield_probability,
        expansion_fraction=rules.expansion_fraction,
        entrant_size={m: sc.materials[m].entrant_size_t_per_year for m in model.materials},
        lead_time_years={
            "brownfield": timing.brownfield_lead_time_years,
            "greenfield_mining": timing.greenfield_mining_lead_time_years,
            "greenfield_processing": timing.greenfield_processing_lead_time_years,
        },
        size_margin_scale=rules.size_margin_scale,
        max_project_multiple=rules.max_project_multiple,
    )


def diversification_momentum(model: LeverageModel, material: str) -> float:
    """Growth of non-China processing capacity incl. projects under way, over a year."""
    history = model.capacity_history[(material, "processing")]
    before = history[0]
    totals = model.producers_now()
    now = totals.capacity[(material, "processing")] + totals.pipeline[(material, "processing")]
    return now / before - 1.0 if before > 0 else 0.0


def region_need_per_day(model: LeverageModel, importer: str) -> dict[str, float]:
    """An importer's firms' need this month, t/day per material."""
    base = model.region_base_need[importer]
    return {
        m: float(base[j] * model.demand_growth(m)) / DAYS_PER_MONTH
        for j, m in enumerate(model.materials)
    }


def import_value_share(model: LeverageModel, need_per_day: dict[str, float]) -> dict[str, float]:
    """Each material's share of an importer's needs valued at reference prices."""
    value = {m: need_per_day[m] * model.reference_price[m] for m in model.materials}
    total = sum(value.values())
    return {m: (v / total if total > 0 else 1 / len(value)) for m, v in value.items()}
