"""The scenario schema: every parameter of the model, with its unit and source.

Parameters are written in natural units (tonnes per year, days, years,
USD/kg) and converted by the model. Each field's description gives the unit
and where the default comes from; fact ids such as ``[M12]`` refer to rows of
``shared/data/stylized_facts.csv`` and are listed with their sources in
``docs/odd.md``. "Assumption" marks a default no public source pins down; those
are the first candidates for calibration.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from overplay.model.calendar import step_of_date
from overplay.model.naming import OutputName
from overplay.model.problems import Loc, dotted

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: Names of materials, importers and producers: they become keys of ``--set`` paths,
#: targets of moves (``ban:japan``) and values in the output tables.
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
#: Names no importer or producer may take: China, the third-country destination and
#: the WTO (an actor in the action log).
RESERVED_NAMES = frozenset({"china", "other", "wto"})
#: Producers the model creates while running (greenfield entrants) are named so.
ENTRANT_NAME = re.compile(r"^entrant_\d+$")
SHARE_TOLERANCE = 1e-6


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, values are re-validated on copy.

    Strict types: true/false is not a number and text is not a number; NaN and
    infinities are refused in every float (a cost of .inf would turn the results
    into NaN).
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, strict=True, allow_inf_nan=False
    )


class InconsistencyError(ValueError):
    """Problems found by comparing fields with each other. Each names the key paths that
    could be at fault, most specific first, so the loader can point at the one the user
    wrote (a ``--set`` override before a bundled file)."""

    def __init__(self, problems: list[tuple[tuple[Loc, ...], str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{dotted(locs[0])}: {message}" for locs, message in problems))


Share = Annotated[float, Field(ge=0.0, le=1.0)]


def Frac(default: float, description: str) -> Any:  # noqa: N802 - reads like a type
    """A fraction in [0, 1]."""
    return Field(default, ge=0.0, le=1.0, description=description)


class StrategyRef(Strict):
    """A strategy chosen by name from the registry, with its parameters."""

    name: str = Field(description="Registered strategy name (see `overplay strategies`).")
    params: dict[str, Any] = Field(default_factory=dict, description="Strategy parameters.")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        """Accept a bare name as shorthand for ``{name: NAME}``."""
        return {"name": value} if isinstance(value, str) else value


StrategyField = Annotated[StrategyRef, Field(description="Strategy name or {name, params}.")]


class MaterialConfig(Strict):
    """One material group (light or heavy rare earths) at the scenario's start."""

    demand_t_per_year: float = Field(
        360_000,
        gt=0,
        description="World demand at start, t REO/yr. 2024 world mine "
        "production 390,000 t [M11], split light/heavy (heavy ~8 %: assumption).",
    )
    demand_growth_per_year: float = Field(
        0.05,
        ge=-0.2,
        le=0.5,
        description="Trend growth of demand, fraction/yr. Assumption "
        "(magnet demand growth for EVs and wind).",
    )
    reference_price_usd_per_kg: float = Field(
        50.0,
        gt=0,
        description="China FOB price at start, USD/kg. Light: NdPr oxide "
        "$49/kg Dec 2024 [E16]; heavy: Dy-oxide order of magnitude (assumption).",
    )
    china_mining_share: float = Frac(
        0.692, "China's share of world mine output at start. Light: 270/390 kt in 2024 [M12]."
    )
    china_processing_share: float = Frac(
        0.91,
        "China's share of separation/refining at "
        "start. Light: 91 % in 2025 [M14]; heavy 99.9 % [M15].",
    )
    china_consumption_share: float = Frac(
        0.70,
        "Share of world demand consumed in China "
        "(China makes 94 % of sintered magnets [M14]; "
        "consumption share: assumption).",
    )
    price_elasticity: float = Field(
        0.25,
        gt=0,
        le=2,
        description="Short-run price elasticity of demand (absolute "
        "value), dimensionless. Just below the generic long-run intensity elasticity "
        "0.29 [X11]; Japan's imports fell 34 % in 2011 as prices spiked [J05].",
    )
    max_thrift: float = Frac(
        0.30,
        "Largest fraction of intensity firms can design out. "
        "Heavy: NEDO cut Dy by 40 % [X06]; light: assumption.",
    )
    mining_cost_premium: float = Field(
        1.1,
        ge=1,
        le=5,
        description="Non-China mining cost / China's, dimensionless. "
        "Assumption: mines abroad compete (Mountain Pass, Mount Weld); separation is "
        "where the gap of [X03] lies.",
    )
    processing_cost_premium: float = Field(
        1.5,
        ge=1,
        le=5,
        description="Non-China separation cost / China's. NdPr projects "
        "need $75–85/kg vs China's $54 [X03] (~1.5).",
    )
    value_added_usd_per_kg: float = Field(
        1500.0,
        gt=0,
        description="Manufacturing value added per kg REO used, USD/kg; "
        "firms stop buying above it. Assumption; heavy ×10 since Dy/Tb are a few % of a "
        "magnet's mass.",
    )
    entrant_size_t_per_year: float = Field(
        10_000,
        gt=0,
        description="Capacity of one greenfield project, t/yr. Lynas LAMP "
        "phase 1 11,000 t/yr [S01]; Molycorp 19,050 t/yr [S05].",
    )
    capex_usd_per_t_per_year: float = Field(
        78_700.0,
        gt=0,
        description="Capital cost per t/yr of new capacity, USD. Molycorp "
        "Phase 1: ~$1.5 bn for 19,050 t/yr [S05]; heavy: scaled by value (assumption).",
    )
    entrant_pool: int = Field(
        6,
        ge=0,
        le=100,
        description="Greenfield projects that could be started per year "
        "(permitted deposits). Assumption; of ~400 juniors two reached production [X13].",
    )


def _default_materials() -> dict[str, MaterialConfig]:
    return {
        "light": MaterialConfig(),
        "heavy": MaterialConfig(
            demand_t_per_year=30_000,
            reference_price_usd_per_kg=250.0,
            china_mining_share=0.60,
            china_processing_share=0.999,
            max_thrift=0.40,
            mining_cost_premium=1.6,
            processing_cost_premium=2.5,
            capex_usd_per_t_per_year=393_500.0,
            value_added_usd_per_kg=15_000.0,
            entrant_size_t_per_year=1_000,
            entrant_pool=1,
        ),
    }


class MarketConfig(Strict):
    """Price formation in the two-tier market."""

    price_adjustment_per_month: float = Field(
        0.35,
        gt=0,
        le=2,
        description="Exponent of the monthly price update "
        "p' = p·(D/S)^k, dimensionless. GLOMBO uses 0.43–0.71 per year for metals [X10]; "
        "monthly and larger here because REE buyers bid up spot prices within months.",
    )
    reversion_per_month: float = Frac(
        0.6,
        "Monthly pull of the ex-China price back "
        "toward China's FOB price when China supplies freely. "
        "Sets the decay after a spike; assumption.",
    )
    reversion_cutoff: float = Field(
        0.1,
        gt=0,
        le=1,
        description="Share of requests China refuses above which its "
        "free supply no longer anchors the ex-China price; assumption.",
    )
    max_price_multiple: float = Field(
        100.0,
        gt=1,
        le=500,
        description="Ceiling on price / reference, a numerical guard "
        "well above the 2011 peaks of 15–30× [P07, P08]; buyers' value added binds first.",
    )
    china_price_adjustment_per_month: float = Frac(
        0.3, "Speed at which China's domestic output adapts to its sales; assumption."
    )
    ore_value_share: float = Frac(
        0.5, "Value of mined concentrate as a share of the separated-oxide price; assumption."
    )
    china_cost_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description="China's unit cost / "
        "reference price; assumption (thin margins after years "
        "of oversupply).",
    )
    capacity_utilisation: float = Field(
        0.85, gt=0, le=1, description="Normal output / nameplate capacity; assumption."
    )
    leakage_rate: float = Frac(
        0.2,
        "Share of blocked Chinese supply that leaks out by "
        "smuggling or transshipment without enforcement. Foreign-"
        "recorded imports were 1.2× China's exports in 2011 [Q13].",
    )
    security_premium_max: float = Frac(
        0.5,
        "Premium buyers pay for contracted non-China "
        "supply at full perceived risk, fraction of price. "
        "The DoD floor was ~2× market [E15]; assumption.",
    )


class TimingConfig(Strict):
    """Clocks and lead times (years and months, converted to steps)."""

    decision_interval_months: int = Field(
        3, ge=1, le=24, description="Months per decision round (a seminar round)."
    )
    investment_interval_months: int = Field(
        12, ge=1, le=60, description="Months between producers' investment decisions."
    )
    brownfield_lead_time_years: float = Field(
        2.5,
        gt=0,
        le=20,
        description="Expansion at an operating site, years. Lynas: 28 "
        "months from the July 2010 cut to first feed [S01].",
    )
    greenfield_mining_lead_time_years: float = Field(
        7.0,
        gt=0,
        le=30,
        description="New mine on a permitted deposit, years: 'up to 7 "
        "years' (Argonne) [X01]; discovery to production averages 16.",
    )
    greenfield_processing_lead_time_years: float = Field(
        8.0, gt=0, le=30, description="New separation plant, years: ~8-yr average [M14]."
    )
    lead_time_jitter: float = Frac(
        0.2, "Relative spread of realised lead times (uniform ±); assumption."
    )
    licence_delay_months: float = Field(
        2.0, ge=0, le=24, description="Default licence review: 45 working days [E02]."
    )
    wto_ruling_months: int = Field(
        29, ge=1, le=120, description="Filing to final ruling: Mar 2012 → Aug 2014 [W01]."
    )
    wto_compliance_months: int = Field(
        5, ge=0, le=60, description="Ruling to quota abolition: Aug 2014 → Jan 2015 [W02]."
    )


class RiskConfig(Strict):
    """Perceived supply risk (importers and firms) and China's reputation."""

    half_life_months: float = Field(
        24.0,
        gt=0,
        le=600,
        description="Half-life of "
        "perceived risk. 'After the crisis passed … urgency to "
        "diversify waned' (WSJ 2025); assumption.",
    )
    severity_ban: float = Frac(1.0, "Risk impulse of a new ban on you.")
    severity_quota_base: float = Frac(
        0.3, "Impulse of a quota with zero cut; plus (severity_ban - base)·cut."
    )
    severity_licensing_base: float = Frac(
        0.25,
        "Impulse of licensing with full approval "
        "and no delay; slow, selective licensing rises "
        "toward a ban (de facto ban, MERICS 2025 [E02]).",
    )
    spillover: float = Frac(
        0.3,
        "Share of the impulse felt when another importer is "
        "targeted; allies in a coordination pact feel twice that.",
    )
    ongoing_share: float = Frac(
        0.05,
        "Monthly impulse while a restriction stays in place, as a share of its initial impulse.",
    )
    shortage_weight: float = Frac(0.5, "Impulse per unit shortage fraction experienced.")
    reputation_half_life_months: float = Field(
        60.0, gt=0, le=1200, description="Recovery half-life of China's reputation; assumption."
    )
    reputation_sensitivity: float = Frac(
        0.08, "Reputation lost per month under a ban on you (scaled by severity); assumption."
    )
    third_country_weight: float = Frac(
        0.5, "Third countries' reputation loss per unit breadth of restrictions; assumption."
    )


class PolicyConfig(Strict):
    """Response speeds of substitution, recycling, stockpiles, coordination, partnerships."""

    thrift_rate_per_year: float = Frac(
        0.10,
        "Fastest thrifting, fraction of demand designed out per year: ~10 %/yr in 2011–12 [S09].",
    )
    thrift_lag_months: float = Field(
        12.0,
        ge=1,
        le=120,
        description="Months for "
        "committed redesigns to reach products; assumption "
        "(NEDO's Dy programme ran 2007–2011 [X06]).",
    )
    recycling_base: float = Frac(0.01, "End-of-life recycling share of demand: <1 % [X05].")
    recycling_max: float = Frac(
        0.10,
        "Recycling share reachable with sustained R&D; "
        "assumption (recycling unlikely to matter within a decade).",
    )
    recycling_lag_months: float = Field(
        36.0, ge=1, le=240, description="Time constant of recycling growth, months; assumption."
    )
    research_half_usd_m: float = Field(
        1000.0,
        gt=0,
        description="Cumulative R&D, USD m, giving half the attainable effect; assumption.",
    )
    stockpile_build_months: float = Field(
        12.0, gt=0, le=120, description="Months to close a stockpile gap; assumption."
    )
    coordination_efficiency: float = Field(
        1.2,
        ge=1,
        le=3,
        description="Capacity per "
        "subsidy dollar under joint procurement, "
        "relative to going alone; assumption.",
    )
    partnership_uptake: float = Frac(
        0.25,
        "Chance per round that a third country takes "
        "up China's offer, at full reputation; assumption.",
    )
    leverage_horizon_months: float = Field(
        12.0, gt=0, le=120, description="Buffer horizon for indispensability, months."
    )


class ChinaConfig(Strict):
    """The supplier state."""

    strategy: StrategyField = Field(default_factory=lambda: StrategyRef(name="always_open"))
    enforcement_cost_usd_m_per_month: float = Field(
        30.0,
        ge=0,
        description="Cost of full anti-transshipment enforcement, USD m/month. "
        "Assumption (end-user certificates, customs checks).",
    )
    domestic_industry_weight: float = Frac(
        0.1,
        "Share of importers' lost manufacturing "
        "output captured by Chinese manufacturers "
        "(restrictions pull magnet making into China: "
        "Pothen & Fink 2015; Wübbeke 2013); assumption: "
        "most lost output is lost, not relocated.",
    )
    leverage_loss_years: float = Field(
        10.0,
        ge=0,
        le=50,
        description="Years of lost export "
        "margin charged when non-China capacity comes "
        "online (China's loss of future market share).",
    )
    leverage_value_usd_m_per_month: float = Field(
        200.0,
        ge=0,
        description="What holding leverage is worth to China each month per "
        "importer at full indispensability (averaged over materials): bargaining and "
        "deterrence value even when unused, USD m/month; assumption.",
    )
    partnership_value_usd_m: float = Field(
        200.0, ge=0, description="Value to China of one accepted partnership, USD m; assumption."
    )
    partnership_ore_share: float = Frac(
        0.1,
        "Share of non-China ore committed to Chinese "
        "processing per accepted partnership; assumption.",
    )
    tech_ban_lead_time_factor: float = Field(
        1.3,
        ge=1,
        le=5,
        description="Lead-time "
        "multiplier on non-China processing projects "
        "started under a technology-export ban "
        "(Dec 2023 ban); assumption.",
    )
    tech_ban_cost_factor: float = Field(
        1.1, ge=1, le=5, description="Cost multiplier on those projects; assumption."
    )


class ImporterConfig(Strict):
    """One importer state and its manufacturers."""

    demand_share: dict[str, Share] = Field(
        default_factory=lambda: {"light": 0.05, "heavy": 0.05},
        description="Share of world demand consumed by this importer's firms, per material.",
    )
    nonchina_sourcing: dict[str, Share] = Field(
        default_factory=lambda: {"light": 0.2, "heavy": 0.0},
        description="Initial share of firms' needs contracted from non-China processors.",
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
        description="Scales this importer's risk impulses (Japan's memory of 2010 is sharper).",
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


def _default_producers() -> list[ProducerConfig]:
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
    abandon_probability: float = Frac(
        0.5,
        "Chance per year that a private project under "
        "construction is abandoned when its expected margin "
        "has turned negative (2013–15 junior collapse [X13]).",
    )
    price_memory: float = Frac(
        0.5,
        "Weight of the trailing-year price (vs the reference "
        "price) in the geometric mean producers expect; "
        "assumption (spikes are known not to last).",
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


def _default_importers() -> dict[str, ImporterConfig]:
    return {
        "us": ImporterConfig(
            demand_share={"light": 0.05, "heavy": 0.06},
            nonchina_sourcing={"light": 0.3, "heavy": 0.0},
            stockpile_target_days=20,
            stockpile_initial_days=20,
            value_added_factor=1.2,
            allies=["japan", "eu"],
        ),
        "japan": ImporterConfig(
            demand_share={"light": 0.07, "heavy": 0.10},
            nonchina_sourcing={"light": 0.5, "heavy": 0.0},
            stockpile_target_days=60,
            stockpile_initial_days=60,
            risk_sensitivity=1.3,
            allies=["us", "eu"],
        ),
        "eu": ImporterConfig(
            demand_share={"light": 0.06, "heavy": 0.06},
            nonchina_sourcing={"light": 0.1, "heavy": 0.0},
            allies=["us", "japan"],
        ),
    }


class Scenario(Strict):
    """A complete, resolved scenario."""

    name: OutputName = Field(
        "scenario",
        description="Short name; it names the default "
        "output folder, so letters, digits, '.', '_' and '-' only.",
    )
    description: str = Field("", description="What this scenario represents.")
    start: str = Field("2025-01", description="First simulated month, YYYY-MM.")
    years: float = Field(
        10.0, ge=1 / 12, le=100, description="Simulated years (at least one month)."
    )
    seed: int = Field(1, ge=0, description="Random seed.")
    timing: TimingConfig = Field(default_factory=TimingConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    payoffs: PayoffConfig = Field(default_factory=PayoffConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    materials: dict[str, MaterialConfig] = Field(default_factory=_default_materials)
    china: ChinaConfig = Field(default_factory=ChinaConfig)
    importers: dict[str, ImporterConfig] = Field(default_factory=_default_importers)
    producers: list[ProducerConfig] = Field(default_factory=_default_producers)
    producer_rules: ProducerRulesConfig = Field(default_factory=ProducerRulesConfig)
    firms: FirmConfig = Field(default_factory=FirmConfig)
    events: list[EventConfig] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _start_from_builtins(cls, data: Any) -> Any:
        """A material or importer named like a built-in one (light, heavy, us, japan, eu)
        starts from the built-in values, so a partial spec cannot silently take the
        light group's defaults for the heavy group."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, builtins in (
            ("materials", _default_materials()),
            ("importers", _default_importers()),
        ):
            given = data.get(key)
            if not isinstance(given, dict):
                continue
            merged = {}
            for name, spec in given.items():
                if name in builtins and isinstance(spec, dict):
                    base = builtins[name].model_dump(exclude_unset=True)
                    if "allies" in base:  # built-in alliances among the importers present
                        base["allies"] = [a for a in base["allies"] if a in given]
                    spec = {**base, **spec}
                merged[name] = spec
            data[key] = merged
        return data

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        if not MONTH_PATTERN.match(value):
            raise ValueError("must be YYYY-MM")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        """Cross-field checks, all reported at once."""
        problems = [
            *self._name_problems(),
            *self._share_problems(),
            *self._firm_problems(),
            *self._event_problems(),
            *self._strategy_problems(),
        ]
        if problems:
            raise InconsistencyError(problems)
        return self

    def _name_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        """Materials and players need plain, distinct names: a player's name picks whose
        action an event is, and China, third countries and the WTO have theirs."""
        problems: list[tuple[tuple[Loc, ...], str]] = []
        for section in ("materials", "importers"):
            for name in getattr(self, section):
                if not re.match(NAME_PATTERN, name):
                    problems.append(
                        (
                            ((section, name),),
                            "names are lower-case letters, digits and '_', starting with a letter",
                        )
                    )
        for name in self.importers:
            if name in RESERVED_NAMES:
                problems.append(
                    (
                        (("importers", name),),
                        f"{name!r} is reserved "
                        f"({', '.join(sorted(RESERVED_NAMES))}); rename the importer",
                    )
                )
        seen: dict[str, Loc] = {}
        for i, producer in enumerate(self.producers):
            loc: Loc = ("producers", i, "name")
            name = producer.name
            if name in RESERVED_NAMES or ENTRANT_NAME.match(name):
                problems.append(
                    (
                        (loc,),
                        f"{name!r} is reserved (china, other, wto and "
                        "entrant_N, the names of new entrants)",
                    )
                )
            elif name in self.importers:
                problems.append(
                    ((loc,), f"{name!r} is also an importer's name; players need distinct names")
                )
            elif name in seen:
                problems.append(
                    (
                        (loc,),
                        f"{name!r} is also the name of "
                        f"{dotted(seen[name][:2])}; players need distinct names",
                    )
                )
            seen.setdefault(name, loc)
        return problems

    def _share_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        problems: list[tuple[tuple[Loc, ...], str]] = []
        materials = set(self.materials)
        names = set(self.importers)
        for name, imp in self.importers.items():
            for field_name in ("demand_share", "nonchina_sourcing"):
                for mat in getattr(imp, field_name):
                    if mat not in materials:
                        problems.append(
                            (
                                ((("importers", name, field_name, mat)),),
                                f"unknown material {mat!r}; known: {sorted(materials)}",
                            )
                        )
            unknown_allies = set(imp.allies) - names
            if unknown_allies:
                problems.append(
                    (
                        (("importers", name, "allies"),),
                        f"unknown importer(s) {sorted(unknown_allies)}; known: {sorted(names)}",
                    )
                )
        for mat, cfg in self.materials.items():
            total = cfg.china_consumption_share + sum(
                imp.demand_share.get(mat, 0.0) for imp in self.importers.values()
            )
            if total > 1 + SHARE_TOLERANCE:
                culprits = [
                    ("importers", name, "demand_share", mat)
                    for name, imp in self.importers.items()
                    if mat in imp.demand_share
                ]
                problems.append(
                    (
                        (
                            *culprits,
                            ("materials", mat, "china_consumption_share"),
                            ("materials", mat),
                        ),
                        f"China's consumption share of {mat} plus the importers' "
                        f"demand shares is {total:.3f} > 1",
                    )
                )
        for stage in ("mining", "processing"):
            totals: dict[str, float] = {}
            for i, producer in enumerate(self.producers):
                for mat, value in getattr(producer, f"{stage}_share").items():
                    if mat not in materials:
                        problems.append(
                            (
                                (("producers", i, f"{stage}_share", mat),),
                                f"unknown material {mat!r}; known: {sorted(materials)}",
                            )
                        )
                    totals[mat] = totals.get(mat, 0.0) + value
            for mat, total in totals.items():
                if total > 1 + SHARE_TOLERANCE:
                    culprits = [
                        ("producers", i, f"{stage}_share", mat)
                        for i, p in enumerate(self.producers)
                        if mat in getattr(p, f"{stage}_share")
                    ]
                    problems.append(
                        (
                            (*culprits, ("producers",)),
                            f"the producers' {stage} shares of {mat} sum to "
                            f"{total:.3f} > 1 (shares of non-China capacity)",
                        )
                    )
        return problems

    def _firm_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        sectors = self.firms.sectors
        locs = tuple(("firms", "sectors", name) for name in sectors)
        if not sectors:
            return [(((("firms", "sectors"),)), "give at least one sector")]
        problems: list[tuple[tuple[Loc, ...], str]] = []
        total = sum(sectors.values())
        if abs(total - 1) > SHARE_TOLERANCE:
            problems.append(
                ((*locs, ("firms", "sectors")), f"shares must sum to 1, got {total:.6g}")
            )
        missing = set(sectors) - set(self.firms.value_added_factor)
        if missing:
            problems.append(
                ((("firms", "value_added_factor"),), f"missing sector(s) {sorted(missing)}")
            )
        return problems

    def _event_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        """Each event's actor may take its action, on materials and destinations that
        exist, with parameters in range, no earlier than the first simulated month.
        (Events after the last month are the loader's to judge: it knows whether an
        override shortened the period.)"""
        from overplay.agents.actions import KINDS_OF_ROLE, Kind, action_problems
        from overplay.model.events import EventError, make_action

        problems: list[tuple[tuple[Loc, ...], str]] = []
        roles = {
            "china": "china",
            **dict.fromkeys(self.importers, "importer"),
            **{p.name: "producer" for p in self.producers},
        }
        for i, event in enumerate(self.events):
            if event.actor not in roles:
                problems.append(
                    (
                        (("events", i, "actor"),),
                        f"unknown actor {event.actor!r}; known: {sorted(roles)}",
                    )
                )
                continue
            step = event.at if isinstance(event.at, int) else step_of_date(self.start, event.at)
            if step < 1:
                problems.append(
                    (
                        (("events", i, "at"),),
                        f"{event.at} is before the first simulated month {self.start}",
                    )
                )
            allowed = KINDS_OF_ROLE[roles[event.actor]]
            if event.action in set(Kind) and Kind(event.action) not in allowed:
                kinds = ", ".join(sorted(k.value for k in allowed))
                problems.append(
                    (
                        (("events", i, "action"),),
                        f"{event.actor} "
                        f"({roles[event.actor]}) cannot take action "
                        f"{event.action!r}; its actions: {kinds}",
                    )
                )
                continue
            try:
                action = make_action(
                    event.actor, event.action, event.materials, event.targets, event.params, i
                )
            except EventError as exc:
                problems.append(((exc.path,), str(exc)))
                continue
            for loc, message in action_problems(
                action, roles[event.actor], self.materials, self.importers
            ):
                problems.append((((("events", i, *loc)),), message))
        return problems

    def _strategy_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        """Strategy parameters that name materials, destinations, move targets or a
        fallback rule, checked against this scenario."""
        from overplay.agents.strategies.base import StrategyError, make_strategy, scope_problems

        refs: list[tuple[Loc, StrategyRef, str]] = [
            (("china", "strategy"), self.china.strategy, "china"),
            (("firms", "strategy"), self.firms.strategy, "firm"),
            (("producer_rules", "strategy"), self.producer_rules.strategy, "producer"),
            *(
                (("importers", name, "strategy"), imp.strategy, "importer")
                for name, imp in self.importers.items()
            ),
        ]
        problems: list[tuple[tuple[Loc, ...], str]] = []
        for loc, ref, role in refs:
            try:
                strategy = make_strategy(ref.name, ref.params, role)
            except StrategyError as exc:
                problems.append((((*loc, *exc.path),), str(exc)))
                continue
            for sub, message in scope_problems(strategy, role, self.materials, self.importers):
                problems.append((((*loc, "params", *sub),), message))
        return problems

    @property
    def steps(self) -> int:
        """Number of monthly steps."""
        return round(self.years * 12)


Role = Literal["china", "importer", "firm", "producer"]
