"""Trade rules outside the market: WTO cases come to rulings, and deal offers China
did not take lapse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from overplay.agents.actions import Regime

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


def resolve_wto(model: LeverageModel, step: int) -> None:
    """A filed case is ruled on after the ruling delay; China loses if it applied an
    export quota at any time since the filing (quotas breach its WTO accession terms;
    licensing was not ruled on), and complies after the compliance delay (W01, W02)."""
    timing = model.config.timing
    china = model.china
    for name, state in model.importers.items():
        filed = state.wto_filed_step
        if filed is None or name in model.wto_rulings:
            continue
        if step == filed + timing.wto_ruling_months:
            lost = any(s >= filed for s in china.quota_steps)
            model.wto_rulings[name] = step + timing.wto_compliance_months if lost else -1
            model.log_event(
                "wto",
                "ruling",
                target=name,
                source="wto_case",
                note="against China's quotas" if lost else "case dismissed",
            )
    for name, comply_at in model.wto_rulings.items():
        if step == comply_at and china.quota_allowed:
            china.abolish_quotas(step)
            model.log_event(
                "china", "abolish_quotas", target=name, source="wto_ruling", note="WTO ruling"
            )


#: What a lost ruling condemns: quantitative limits on exports (a ban is one too;
#: licensing was not ruled on).
CONDEMNED = (Regime.QUOTA, Regime.BAN)


def rulings_defied(model: LeverageModel) -> int:
    """Importers that won a WTO case against China's quotas and still face a quota or a
    ban: each month China keeps one costs it standing, and in the end authorised
    retaliation."""
    policy = model.china.policy
    return sum(
        1
        for name, comply_at in model.wto_rulings.items()
        if comply_at >= 0 and any(policy[(m, name)].regime in CONDEMNED for m in model.materials)
    )


def lapse_deal_offers(model: LeverageModel) -> None:
    """China had its chance this round: offers it did not accept lapse."""
    for name, state in model.importers.items():
        if state.deal_offer is not None and state.deal_round < model.round:
            state.deal_offer = None
            model.log_event(name, "deal_lapsed", target="china", source="timeout")
