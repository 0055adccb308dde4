"""What each player's payoff this month is made of, term by term.

Every payoff the model pays goes through :meth:`PayoffLedger.add` with the term it
belongs to (a :class:`~overplay.model.columns.Column` of ``PAYOFF_TERMS``), so a claim
about what pays — export windfalls, assumed leverage value, captured industry — can be
traced to its terms in ``payoffs.parquet``. The month's terms sum to the month's
payoff.
"""

from __future__ import annotations

from overplay.model.columns import PAYOFF_TERMS, Column

TERM_NAMES = frozenset(column.name for column in PAYOFF_TERMS)


class PayoffLedger:
    """The current month's payoff terms, player → term name → USD m. A new month
    starts a new ledger, so the recorder can keep the previous one as it was."""

    def __init__(self) -> None:
        self.month: dict[str, dict[str, float]] = {}

    def start_month(self) -> None:
        self.month = {}

    def add(self, player: str, terms: tuple[tuple[Column, float], ...]) -> float:
        """Book each (term, USD m) to ``player``; returns their sum, in order."""
        booked = self.month.setdefault(player, {})
        total = 0.0
        for term, value in terms:
            name = term.name
            if name in booked:
                booked[name] += value
            elif name in TERM_NAMES:
                booked[name] = value
            else:
                raise ValueError(f"{name!r} is not a payoff term")
            total += value
        return total
