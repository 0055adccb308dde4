"""Trade rules outside the market: WTO cases come to rulings that bind until China
complies, and deal offers China did not take lapse."""

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
    for name in live_rulings(model):
        if not restricts(model, name):
            model.wto_rulings_spent.add(name)
            model.log_event(
                "wto",
                "ruling_complied",
                target=name,
                source="wto_case",
                note="China refuses nothing; a new restriction would need a new case",
            )


def live_rulings(model: LeverageModel) -> list[str]:
    """Importers whose won ruling still reaches substitutes for the quota: China has
    not yet refused them nothing since the ruling."""
    return [
        name
        for name, comply_at in model.wto_rulings.items()
        if comply_at >= 0 and name not in model.wto_rulings_spent
    ]


def restricts(model: LeverageModel, importer: str) -> bool:
    """Whether China refuses any exports to ``importer`` (a quota, a ban, or licences
    that turn applications down)."""
    policy = model.china.policy
    return not all(policy[(m, importer)].open_in_effect for m in model.materials)


#: What a lost ruling condemns for good: quantitative limits on exports (a ban is one
#: too). Re-imposing one is the condemned measure again, whenever it comes.
CONDEMNED = (Regime.QUOTA, Regime.BAN)


def rulings_defied(model: LeverageModel) -> int:
    """Importers that won a WTO case against China's quotas and face a quota or a ban,
    or, until China first complies, any restriction: each month costs China standing,
    and in the end authorised retaliation.

    GATT Art. XI:1 forbids export restrictions "made effective through quotas, import
    or export licences or other measures" (T01) and a measure taken to comply is itself
    reviewable (DSU Art. 21.5, T02), so licences that refuse applications in place of
    the quota defy the ruling as the quota did. Review reaches measures closely
    connected to the compliance by timing, nature and effects (T03): a quota or ban is
    the condemned measure whenever it returns, while licences that come after China
    has refused the winner nothing are a new measure that would need a new case.
    """
    policy = model.china.policy
    live = set(live_rulings(model))
    return sum(
        1
        for name, comply_at in model.wto_rulings.items()
        if comply_at >= 0
        and (
            any(policy[(m, name)].regime in CONDEMNED for m in model.materials)
            or (name in live and restricts(model, name))
        )
    )


def lapse_deal_offers(model: LeverageModel) -> None:
    """China had its chance this round: offers it did not accept lapse."""
    for name, state in model.importers.items():
        if state.deal_offer is not None and state.deal_round < model.round:
            state.deal_offer = None
            model.log_event(name, "deal_lapsed", target="china", source="timeout")
