"""Units and names every part of the model shares, defined once."""

from __future__ import annotations

DAYS_PER_YEAR = 365.25
MONTHS_PER_YEAR = 12
#: Stocks are counted in days of need; flows are per month.
DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR
#: The two stages of the chain the model follows: ore and its separation into oxides.
STAGES = ("mining", "processing")
#: What an importer's subsidies can build: producers' stages, or magnet plants at home.
SUBSIDY_STAGES = (*STAGES, "magnets")
