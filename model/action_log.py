"""The action log: one row per action carried out (per material and target it
concerns) and per event that happened without being an agent's action (an exit, a
ruling, a project abandoned), in the order they happened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from overplay.agents.actions import KINDS, Action, Logged

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


def log_event(
    model: LeverageModel,
    actor: str,
    action: str,
    material: str = "",
    target: str = "",
    parameters: str = "",
    source: str = "",
    note: str = "",
) -> None:
    """Append one row, dated this month, to ``model.action_log``."""
    model.action_log.append(
        {
            "step": model.step_count,
            "date": model.date,
            "actor": actor,
            "action": action,
            "material": material,
            "target": target,
            "parameters": parameters,
            "source": source,
            "note": note,
        }
    )


def log_action(model: LeverageModel, action: Action, logged: Logged | None = None) -> None:
    """Log an applied action: the rows its handler asked for, else one per material it
    concerns (every material if it names none and its kind is per material) and target."""
    if logged is None:
        materials = action.materials or (
            tuple(model.materials) if KINDS[action.kind].per_material else ("",)
        )
        pairs = [(m, t) for m in materials for t in (action.targets or ("",))]
        note = ""
    else:
        pairs, note = list(logged.pairs), logged.note
    parameters = action.describe_params()
    for material, target in pairs:
        log_event(
            model,
            action.actor,
            action.kind.value,
            material,
            target,
            parameters,
            action.source,
            note or action.note,
        )
