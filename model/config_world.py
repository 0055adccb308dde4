"""The scenario schema's world: materials, the market, timing, perceived risk, importer
policy levers and China's costs and values.

Parameters are in natural units (t/yr, days, years, USD/kg); each field's description
gives its unit and source (fact ids such as ``[M12]`` refer to
``shared/data/stylized_facts.csv``, listed in ``docs/odd.md``); "Assumption" marks a
default no public source pins down."""

from __future__ import annotations

from pydantic import Field

from overplay.model.config_base import Frac, StrategyField, StrategyRef, Strict


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
    magnet_use_share: float = Frac(
        0.0,
        "Share of the importers' firms' use of the material that goes into permanent "
        "magnets (0: no magnet stage). Magnets their own territory cannot make come from "
        "China's magnet makers, under China's magnet policy (`docs/odd.md` §7.16).",
    )
    price_elasticity: float = Field(
        0.25,
        gt=0,
        le=2,
        description="Short-run price elasticity of demand (absolute "
        "value), dimensionless. Just below the generic long-run intensity elasticity "
        "0.29 [X11]; Japan's imports fell 34 % in 2011 as prices spiked [J05].",
    )
    china_production_quota_t_per_year: float | None = Field(
        None,
        gt=0,
        description="China's legal production quota, t REO/yr (none: output limited by "
        "capacity only). Mining quota 105,000 t in 2015 [seed 003].",
    )
    china_capacity_t_per_year: float | None = Field(
        None,
        gt=0,
        description="China's separation capacity at start, t/yr; it grows with world "
        "demand (none: world demand / `market.capacity_utilisation`).",
    )
    china_reserve_t: float = Field(
        0.0, ge=0, description="China's state reserve at start, t; assumption."
    )
    thrift_sticky_share: float = Frac(
        0.5,
        "Share of thrift that stays when prices and risk fall back: redesigns stay, "
        "switched materials come back. Heavy: the Dy-lean magnet designs of 2011-18 "
        "stayed in production [X06]; light: polishing and catalysts switched materials "
        "[X07]; the values are assumptions.",
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


def default_materials() -> dict[str, MaterialConfig]:
    return {
        "light": MaterialConfig(),
        "heavy": MaterialConfig(
            demand_t_per_year=30_000,
            reference_price_usd_per_kg=250.0,
            china_mining_share=0.60,
            china_processing_share=0.999,
            max_thrift=0.40,
            thrift_sticky_share=0.9,
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

    price_speed_per_month: float = Frac(
        0.3,
        "Share of the way (in logs) the price moves each month toward the price that "
        "clears the market; buyers and sellers take months to re-contract. GLOMBO's "
        "yearly price response to the supply/demand ratio is 0.43–0.71 for metals [X10]; "
        "REE spot prices moved within months in 2010–11 (assumption).",
    )
    max_price_multiple: float = Field(
        100.0,
        gt=1,
        le=500,
        description="Ceiling on price / reference, a numerical guard "
        "well above the 2011 peaks of 15–30× [P07, P08]; buyers' value added binds first.",
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
    ramp_up_months: float = Field(
        0.0,
        ge=0,
        le=60,
        description="Months a new plant takes from first output to its nameplate, "
        "rising evenly; 0: at once. Plants of proven technology reach design within "
        "about a year, novel hydrometallurgy in three or more, if ever (McNulty 1998); "
        "history fits it (docs/validation.md).",
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
    magnet_plant_lead_time_years: float = Field(
        3.0,
        gt=0,
        le=20,
        description="A subsidised magnet plant, years: MP Materials' 10X plant, agreed in "
        "July 2025, is to produce from 2028 [E15].",
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
        "remembered refused supply, and so of perceived risk. 'After the crisis passed … "
        "urgency to diversify waned' (WSJ 2025); assumption.",
    )
    half_saturation_months: float = Field(
        3.0,
        gt=0,
        le=120,
        description="Remembered months of fully refused supply at which an importer of "
        "sensitivity 1 perceives a risk of 0.5 (r = 1 - 2^(-sensitivity x memory / this)): "
        "risk saturates gradually, so a second and a tenth restriction still raise it; "
        "assumption.",
    )
    severity_ban: float = Frac(1.0, "Severity of a ban, as China's reputation reads it.")
    severity_quota_base: float = Frac(
        0.3, "Severity of a quota with zero cut; plus (severity_ban - base)·cut."
    )
    severity_licensing_base: float = Frac(
        0.25,
        "Severity of licensing with full approval "
        "and no delay; slow, selective licensing rises "
        "toward a ban (de facto ban, MERICS 2025 [E02]).",
    )
    spillover: float = Frac(
        0.3,
        "Share of another importer's refused supply an importer feels as its own; "
        "allies in a coordination pact feel twice that.",
    )
    shortage_weight: float = Frac(
        0.5, "Months of refused supply remembered per month of total shortage experienced."
    )
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
    thrift_reversal_months: float = Field(
        36.0,
        ge=1,
        le=600,
        description="Time constant at which the reversible part of thrift fades while "
        "firms see no reason to thrift (no price or risk push); assumption.",
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
    magnet_plant_capex_usd_per_t_per_year: float = Field(
        333_000.0,
        gt=0,
        description="Capital cost of magnet making per t/yr of rare-earth content, USD: "
        "USD 1 bn of financing for the 10X plant's 10,000 t/yr of magnets [E15] at ~30 % "
        "rare earths [G03].",
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
    wto_defiance_cost_usd_m_per_month: float = Field(
        50.0,
        ge=0,
        description="What defying a WTO ruling costs China each month per winning "
        "complainant (a quantitative restriction toward it, or until China has complied "
        "any restriction; ODD 7.8): standing with its trading partners and, after the "
        "compliance period, authorised retaliation; assumption (authorised "
        "retaliation in past disputes ran from ~USD 0.1 to 4 bn a year). No data "
        "measures it: `overplay revealed-preference` sweeps it.",
    )
    partnership_value_usd_m: float = Field(
        200.0, ge=0, description="Value to China of one accepted partnership, USD m; assumption."
    )
    partnership_ore_share: float = Frac(
        0.1,
        "Share of non-China ore committed to Chinese "
        "processing per accepted partnership; assumption.",
    )
    illegal_supply_per_quota: float = Field(
        1.6,
        ge=0,
        le=10,
        description="Black output outside the state plan per tonne of production "
        "quota, at the reference price and without enforcement: 168,000 t against a "
        "105,000 t quota in 2015 (industry association estimate) [seed 003].",
    )
    illegal_price_elasticity: float = Field(
        1.0,
        ge=0,
        le=5,
        description="Response of black output to China's domestic price; heavy "
        "ores' higher prices drew more illegal mining [seed 003]; assumption.",
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
