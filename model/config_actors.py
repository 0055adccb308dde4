"""The scenario schema's actors: importer states, producers outside China, the firm
population, producers' investment rules, payoffs and scripted events (units and
sources in each field's description, as in ``overplay.model.config_world``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from overplay.model.config_base import (
    MONTH_PATTERN,
    Frac,
    Share,
    StrategyField,
    StrategyRef,
    Strict,
)


class ImporterConfig(Strict):
    """One importer state and its manufacturers."""

    demand_share_outside_china: dict[str, Share] = Field(
        default_factory=lambda: {"light": 0.15, "heavy": 0.15},
        description="Share of the world's demand outside China consumed by this importer's "
        "firms, per material (the rest is third countries').",
    )
    nonchina_sourcing: dict[str, Share] = Field(
        default_factory=lambda: {"light": 0.2, "heavy": 0.0},
        description="Initial share of firms' needs contracted from non-China processors.",
    )
    magnet_capacity_t_per_year: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Permanent-magnet making in this importer's territory, t of rare-earth "
        "content/yr, by material (none: 0). Its firms' magnet use beyond it comes as "
        "magnets made in China (`docs/odd.md` §7.16).",
    )
    stockpile_target_days: float = Field(
        0.0,
        ge=0,
        le=720,
        description="State stockpile target, days of consumption. Japan 60 [E17].",
    )
    stockpile_initial_days: float = Field(
        0.0, ge=0, le=720, description="State stockpile at start, days of consumption."
    )
    firm_buffer_days: float = Field(
        30.0,
        ge=0,
        le=365,
        description="Firms' base "
        "inventory, days (hand-to-mouth magnet buyers hold "
        "days to weeks); assumption.",
    )
    risk_buffer_days: float = Field(
        60.0, ge=0, le=365, description="Extra inventory days at full perceived risk; assumption."
    )
    value_added_factor: float = Field(
        1.0, gt=0, le=10, description="Multiplier on the materials' value added per kg; assumption."
    )
    risk_sensitivity: float = Field(
        1.0,
        ge=0,
        le=5,
        description="Scales how this importer perceives remembered refusals (Japan's memory of "
        "2010 is sharper).",
    )
    retaliation_cost_to_china_usd_m_per_month: float = Field(
        2000.0,
        ge=0,
        description="China's loss per month at full retaliation (tariffs, "
        "chip controls): ~5 %/yr of ~USD 440 bn of exports to the US, under tariffs that "
        "peaked at 145 % [E14]; assumption.",
    )
    retaliation_self_cost_usd_m_per_month: float = Field(
        1000.0,
        ge=0,
        description="The importer's own cost of retaliating (dearer imports, "
        "lost sales), USD m/month; assumption.",
    )
    stockpile_holding_cost_per_year: float = Frac(
        0.1, "Holding cost, fraction of value per year; assumption."
    )
    initial_risk: float = Frac(0.0, "Perceived risk at the start.")
    allies: list[str] = Field(default_factory=list, description="Importers it coordinates with.")
    strategy: StrategyField = Field(default_factory=lambda: StrategyRef(name="passive"))


class ProducerConfig(Strict):
    """A producer outside China, sized as a share of non-China capacity at start."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Identifier.")
    country: str = Field(
        "other",
        description="Host country; an importer's name makes "
        "that importer's floors and subsidies apply.",
    )
    mining_share: dict[str, Share] = Field(
        default_factory=dict,
        description="Share of non-China mining capacity at start, per material.",
    )
    processing_share: dict[str, Share] = Field(
        default_factory=dict, description="Share of non-China processing capacity at start."
    )
    ore_to_china: float = Frac(
        0.0,
        "Share of this producer's ore committed to Chinese "
        "separators (Myanmar's ionic clays go by road to China; MP "
        "shipped concentrate to Shenghe until 2025).",
    )
    cost_factor: float = Field(
        1.0,
        gt=0,
        le=5,
        description="This producer's full cost "
        "relative to a new project's (premium × China's cost). "
        "Operating sites have written-down capital: 0.75–0.85 "
        "(assumption, so incumbents break even at 2024 prices).",
    )


def default_producers() -> list[ProducerConfig]:
    return [
        ProducerConfig(
            name="lynas",
            country="australia",
            mining_share={"light": 0.10, "heavy": 0.05},
            processing_share={"light": 0.45, "heavy": 1.0},
            cost_factor=0.75,
        ),
        ProducerConfig(
            name="mp_materials",
            country="us",
            mining_share={"light": 0.38},
            processing_share={"light": 0.35},
            ore_to_china=0.5,
            cost_factor=0.85,
        ),
        ProducerConfig(
            name="myanmar",
            country="other",
            mining_share={"light": 0.12, "heavy": 0.95},
            ore_to_china=1.0,
            cost_factor=0.8,
        ),
        ProducerConfig(
            name="other_mines",
            country="other",
            mining_share={"light": 0.40},
            processing_share={"light": 0.20},
            cost_factor=0.8,
        ),
    ]


class FirmConfig(Strict):
    """The manufacturer population (array-backed Mesa agents)."""

    count: int = Field(200, ge=1, le=1_000_000, description="Number of firm agents.")
    sectors: dict[str, Share] = Field(
        default_factory=lambda: {"ev": 0.35, "wind": 0.2, "electronics": 0.35, "defence": 0.1},
        description="Share of firms in each sector.",
    )
    value_added_factor: dict[str, Annotated[float, Field(gt=0, le=10)]] = Field(
        default_factory=lambda: {"ev": 1.0, "wind": 0.6, "electronics": 1.0, "defence": 3.0},
        description="Sector multiplier on the importer's value added per kg.",
    )
    size_sigma: float = Field(
        1.0, ge=0, le=3, description="Log-normal spread of firm sizes; assumption."
    )
    risk_sensitivity_sigma: float = Field(
        0.4, ge=0, le=3, description="Log-normal spread of firms' risk sensitivity."
    )
    inventory_adjustment_months: float = Field(
        3.0, gt=0, le=24, description="Months to close an inventory gap."
    )
    strategy: StrategyField = Field(default_factory=lambda: StrategyRef(name="risk_buffer"))


class ProducerRulesConfig(Strict):
    """How producers outside China invest, learn and exit."""

    strategy: StrategyField = Field(default_factory=lambda: StrategyRef(name="margin_investor"))
    hurdle_margin: float = Field(
        0.15,
        ge=0,
        le=2,
        description="Expected margin over full cost needed to invest; 15 % IRR benchmark [X03].",
    )
    brownfield_probability: float = Frac(
        0.5, "Chance per year that an operator with a viable margin expands; assumption."
    )
    greenfield_probability: float = Frac(
        0.08, "Chance per year that a viable permitted deposit is developed: 8 %/yr [X12]."
    )
    expansion_fraction: float = Field(
        0.3,
        gt=0,
        le=3,
        description="Brownfield expansion "
        "as a fraction of current capacity, at least one "
        "project's size; assumption.",
    )
    size_margin_scale: float = Field(
        1.0,
        gt=0,
        le=10,
        description="Excess margin over the hurdle at which a project is twice its base "
        "size (a greenfield entrant's, or a brownfield expansion's); assumption.",
    )
    max_project_multiple: float = Field(
        1.9,
        ge=1,
        le=10,
        description="Largest project / base size: Molycorp's Phoenix, 19,050 t/yr [S05], "
        "against the 10,000 t/yr entrant.",
    )
    abandon_probability: float = Frac(
        0.5,
        "Chance per year that a private project under "
        "construction is abandoned when its expected margin "
        "has turned negative (2013–15 junior collapse [X13]).",
    )
    price_memory: float = Frac(
        0.5,
        "Weight of the recent ex-China price (its trailing year, at most the price "
        "once capacity under way runs) vs the reference price in the geometric mean "
        "producers expect; assumption (spikes are known not to last).",
    )
    learning_rate: float = Frac(
        0.15,
        "Cost reduction per doubling of cumulative non-China "
        "capacity (Wright's law; progress ratios 0.8–0.9 are "
        "typical, McDonald & Schrattenholzer 2001).",
    )
    capex_share_of_cost: float = Frac(
        0.25, "Share of unit cost that is capital charge (sunk once built); assumption."
    )
    exit_after_months: int = Field(
        24,
        ge=3,
        le=120,
        description="Months of persistent operating losses before exit (Molycorp 2012–15).",
    )


class PayoffConfig(Strict):
    """Payoff accounting and discounting."""

    discount_rate_per_year: float = Field(
        0.05, ge=0, le=1, description="Annual discount rate for discounted totals."
    )


DateOrStep = str | int


class EventConfig(Strict):
    """A scripted action at a date (YYYY-MM) or step."""

    at: DateOrStep = Field(description="YYYY-MM, or a step number (1 = first month).")
    actor: str = Field(description="'china', an importer name or a producer name.")
    action: str = Field(
        description="Action kind, e.g. quota, ban, license, open, "
        "stockpile, subsidize, wto_case, offer_deal, accept_deal."
    )
    materials: list[str] = Field(default_factory=list, description="Material groups; empty = all.")
    targets: list[str] = Field(
        default_factory=list,
        description="Importers, or 'other' for third countries; empty = all destinations.",
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Action parameters.")
    note: str = Field("", description="Free text shown in the action log and plots.")

    @field_validator("at", mode="before")
    @classmethod
    def _date_or_step(cls, value: Any) -> Any:
        """One message for any other type (not one per member of the union)."""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError("must be YYYY-MM or a step number")
        return value

    @field_validator("at")
    @classmethod
    def _at(cls, value: DateOrStep) -> DateOrStep:
        if isinstance(value, str) and not MONTH_PATTERN.match(value):
            raise ValueError("must be YYYY-MM or a step number")
        if isinstance(value, int) and value < 1:
            raise ValueError("step numbers start at 1")
        return value


def default_importers() -> dict[str, ImporterConfig]:
    return {
        "us": ImporterConfig(
            demand_share_outside_china={"light": 0.17, "heavy": 0.20},
            nonchina_sourcing={"light": 0.3, "heavy": 0.0},
            stockpile_target_days=20,
            stockpile_initial_days=20,
            value_added_factor=1.2,
            allies=["japan", "eu"],
        ),
        "japan": ImporterConfig(
            demand_share_outside_china={"light": 0.23, "heavy": 0.33},
            nonchina_sourcing={"light": 0.5, "heavy": 0.0},
            stockpile_target_days=60,
            stockpile_initial_days=60,
            risk_sensitivity=1.3,
            allies=["us", "eu"],
        ),
        "eu": ImporterConfig(
            demand_share_outside_china={"light": 0.20, "heavy": 0.20},
            nonchina_sourcing={"light": 0.1, "heavy": 0.0},
            allies=["us", "japan"],
        ),
    }
