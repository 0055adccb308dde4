"""Trade rules outside the market: WTO cases come to rulings that bind China's
restrictions toward the winner, and deal offers China did not take lapse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from overplay.agents.actions import Regime

if TYPE_CHECKING:
    from overplay.agents.china import ExportPolicy
    from overplay.model.leverage_model import LeverageModel


def resolve_wto(model: LeverageModel, step: int) -> None:
    """Rulings China has complied with are spent; a filed case is ruled on after the
    ruling delay: China loses if it applied an export quota at any time since the
    filing (quotas breach its WTO accession terms), and complies after the compliance
    delay (W01, W02).

    Called first thing in a month, so China's books still hold last month's policy:
    a ruling is spent when China refused the winner nothing through last month."""
    timing = model.config.timing
    china = model.china
    for name in live_rulings(model):
        if not restricts(model, name, step - 1):
            model.wto_rulings_spent.add(name)
            model.log_event(
                "wto",
                "ruling_complied",
                target=name,
                source="wto_case",
                note="China refused nothing; a new licence would need a new case",
            )
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


def won_rulings(model: LeverageModel) -> list[str]:
    """Importers that won a WTO case against China (dismissed cases are -1)."""
    return [name for name, comply_at in model.wto_rulings.items() if comply_at >= 0]


def live_rulings(model: LeverageModel) -> list[str]:
    """Importers whose won ruling still reaches licences that stand in for the quota:
    China has not refused them nothing for a whole month since the ruling."""
    return [name for name in won_rulings(model) if name not in model.wto_rulings_spent]


def _policies_toward(model: LeverageModel, importer: str) -> list[ExportPolicy]:
    """China's policies toward ``importer``: every material, separated products and
    magnets."""
    return [book[(m, importer)] for book in model.china.books().values() for m in model.materials]


def restricts(model: LeverageModel, importer: str, step: int) -> bool:
    """Whether China refused any exports to ``importer`` in month ``step``: a quota, a
    ban, or licences that turned applications down or were still under review."""
    return any(p.limits(step) != (1.0, float("inf")) for p in _policies_toward(model, importer))


def condemned(policy: ExportPolicy) -> bool:
    """A quantitative restriction, which a lost ruling condemns for good: a quota, a ban,
    or the licences a quota becomes once quotas are no longer allowed (they carry its
    cut). Re-imposing one is the condemned measure again, whenever it comes."""
    if policy.regime is Regime.LICENSING:
        return policy.cut > 0
    return policy.regime in (Regime.QUOTA, Regime.BAN)


def rulings_defied(model: LeverageModel) -> int:
    """Importers that won a WTO case against China's quotas and face a quantitative
    restriction, or, until the ruling is spent, any restriction: each month costs
    China standing, and in the end authorised retaliation.

    GATT Art. XI:1 forbids export restrictions "made effective through quotas, import
    or export licences or other measures" (T01) and a measure taken to comply is itself
    reviewable (DSU Art. 21.5, T02), so licences that refuse applications in place of
    the quota defy the ruling as the quota did. Review reaches measures closely
    connected to the compliance by timing, nature and effects (T03): a quantitative
    restriction is the condemned measure whenever it returns, while licences that come
    after China has refused the winner nothing are a new measure that would need a new
    case.
    """
    step = model.step_count
    return sum(
        1
        for name in won_rulings(model)
        if any(condemned(p) for p in _policies_toward(model, name))
        or (name not in model.wto_rulings_spent and restricts(model, name, step))
    )


def lapse_deal_offers(model: LeverageModel) -> None:
    """China had its chance this round: offers it did not accept lapse."""
    for name, state in model.importers.items():
        if state.deal_offer is not None and state.deal_round < model.round:
            state.deal_offer = None
            model.log_event(name, "deal_lapsed", target="china", source="timeout")
