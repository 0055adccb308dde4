"""Every output column declared once: its name, unit, meaning and plot label.

The recorder builds its tables in these orders, the plot labels come from here, and
the column tables of ``docs/outputs.md`` are generated from these declarations
(``python -m overplay.experiments.outputs_doc``), so a column cannot mean one thing in
the table, another on a figure's axis and a third in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from overplay.agents.actions import Kind

#: The unit of a column that has none (names, counts of months, categories).
NO_UNIT = "—"


@dataclass(frozen=True)
class Column:
    """One output column. ``meaning`` is Markdown (it goes into ``docs/outputs.md``);
    ``label`` is the axis words of a series figures can show, empty if none do."""

    name: str
    unit: str
    meaning: str
    label: str = ""


def names(columns: tuple[Column, ...]) -> list[str]:
    """The column names in table order (what Mesa's DataCollector and pandas take)."""
    return [column.name for column in columns]


# -- rounds: one row per month × material × importer --------------------------------------
STEP = Column("step", NO_UNIT, "month number, 1 = the scenario's first month")
DATE = Column("date", "YYYY-MM", "the simulated month")
ROUND = Column(
    "round",
    NO_UNIT,
    "decision round the month belongs to, 0 = first (a round lasts "
    "`timing.decision_interval_months`)",
)
MATERIAL = Column("material", NO_UNIT, "material group (`light`, `heavy`, …)")
IMPORTER = Column("importer", NO_UNIT, "importer state (`us`, `japan`, `eu`, …)")
PRICE_EX_CHINA = Column("price_ex_china", "USD/kg", "ex-China price $P^x$", "ex-China price")
PRICE_CHINA = Column(
    "price_china", "USD/kg", "China's domestic price $P^c$", "China's domestic price"
)
PRICE_MULTIPLE = Column(
    "price_multiple",
    "×",
    "`price_ex_china` / China's supply price (the reference price) that month",
    "ex-China price / reference price",
)
CHINA_LEGAL_OUTPUT = Column(
    "china_legal_output",
    "t/month",
    "China's legal separated output sold: at home, exported, to its reserve",
)
CHINA_ILLEGAL_OUTPUT = Column(
    "china_illegal_output",
    "t/month",
    "China's black output outside the state plan (sold at home or smuggled)",
)
CHINA_RESERVE_T = Column("china_reserve_t", "t", "China's state reserve at the month's end")
CHINA_EXPORTS_ALL = Column(
    "china_exports_all",
    "t/month",
    "China's legal exports to every destination, third countries included (what its "
    "customs record; the importers' rows hold their own share)",
    "China's legal exports, all destinations",
)
CHINA_LEAKAGE_ALL = Column(
    "china_leakage_all",
    "t/month",
    "Chinese supply smuggled or transshipped to every destination, third countries included",
)
CHINA_MAGNET_EXPORTS_ALL = Column(
    "china_magnet_exports_all",
    "t/month",
    "rare-earth content of China's magnet exports to every destination, third countries included",
)
CHINA_MINING_SHARE = Column(
    "china_mining_share",
    "fraction",
    "China's share of world mine output this month",
    "China's share of mining",
)
CHINA_PROCESSING_SHARE = Column(
    "china_processing_share",
    "fraction",
    "China's share of world separation this month",
    "China's share of separation",
)
NON_CHINA_MINING_CAPACITY = Column(
    "non_china_mining_capacity",
    "t/yr",
    "installed non-China mining capacity (nameplate; plants ramping up count in full)",
    "non-China mining capacity",
)
NON_CHINA_PROCESSING_CAPACITY = Column(
    "non_china_processing_capacity",
    "t/yr",
    "installed non-China separation capacity (nameplate; plants ramping up count in full)",
    "non-China separation capacity",
)
NON_CHINA_PROCESSING_PIPELINE = Column(
    "non_china_processing_pipeline",
    "t/yr",
    "non-China separation capacity under construction (not yet producing)",
    "non-China separation under construction",
)
EXPORTS_FROM_CHINA = Column(
    "exports_from_china",
    "t/month",
    "China's legal shipments to this importer",
    "China's exports",
)
MAGNETS_FROM_CHINA = Column(
    "magnets_from_china",
    "t/month",
    "rare-earth content of the magnets made in China that this importer received",
    "Chinese magnets received (t of content)",
)
MAGNETS_REFUSED = Column(
    "magnets_refused",
    "t/month",
    "rare-earth content of the Chinese magnets ordered by this importer that China's "
    "magnet policy refused",
    "Chinese magnets refused (t of content)",
)
MAGNETS_MADE_AT_HOME = Column(
    "magnets_made_at_home",
    "t/month",
    "this importer's magnet use met by magnet makers in its own territory (rare-earth "
    "content, from oxide bought on the world market)",
)
MAGNET_PLANT_CAPACITY = Column(
    "magnet_plant_capacity",
    "t/yr",
    "magnet making in this importer's territory (known plants and those its subsidies "
    "built), t of rare-earth content a year",
    "magnet plants at home (t of content/yr)",
)
LEAKAGE = Column(
    "leakage",
    "t/month",
    "Chinese supply reaching this importer by smuggling or transshipment",
)
NON_CHINA_SUPPLY = Column(
    "non_china_supply",
    "t/month",
    "non-China separated supply received by this importer (contracts, spot, displacement)",
)
STOCKPILE_T = Column("stockpile_t", "t", "the state's stockpile")
STOCKPILE_DAYS = Column(
    "stockpile_days", "days", "stockpile / this month's daily consumption need", "stockpile"
)
SHORTAGE_FRACTION = Column(
    "shortage_fraction",
    "fraction",
    "share of firms' consumption need not met (after inventories and stockpile releases)",
    "shortage: share of need unmet",
)
LOST_OUTPUT = Column(
    "lost_output",
    "USD m",
    "manufacturing value added lost to the shortfall this month",
    "lost manufacturing output",
)
PERCEIVED_RISK = Column(
    "perceived_risk",
    "0–1",
    "the state's perceived supply risk $r_{i,m}$",
    "state's perceived supply risk",
)
FIRM_RISK = Column(
    "firm_risk",
    "0–1",
    "mean perceived risk of the importer's firms, weighted by their base need",
    "firms' perceived supply risk",
)
REPUTATION = Column(
    "reputation",
    "0–1",
    "China's reputation with this importer $R_i$ (same on both material rows)",
    "China's reputation",
)
CHINA_DEPENDENCE = Column(
    "china_dependence",
    "fraction",
    "share of this month's supply received (China's exports + leakage + non-China + "
    "recycled) that came from China (exports + leakage)",
    "share of supply from China",
)
LEVERAGE = Column(
    "leverage",
    "fraction",
    "indispensability $\\mathcal{L}_{i,m}$: share of demand over the buffer horizon the "
    "importer could not meet without China",
    "China's leverage (indispensability)",
)
CHINA_POLICY = Column(
    "china_policy",
    NO_UNIT,
    "China's export regime toward this importer for this material: `open`, `licensing`, "
    "`quota`, `ban`",
)
CHINA_MAGNET_POLICY = Column(
    "china_magnet_policy",
    NO_UNIT,
    "China's export regime for magnets containing this material toward this importer: "
    "`open`, `licensing`, `quota`, `ban`",
)
LICENCE_APPROVAL_RATE = Column(
    "licence_approval_rate",
    "fraction",
    "share of requests China lets through by licence: the approval rate under "
    "`licensing`, 0 under `ban`, 1 under `open` or `quota` (a quota caps volume, not "
    "approvals)",
)
MAGNET_LICENCE_APPROVAL_RATE = Column(
    "magnet_licence_approval_rate",
    "fraction",
    "as `licence_approval_rate`, for magnets under `china_magnet_policy`",
)
QUOTA_CUT = Column(
    "quota_cut",
    "fraction",
    "cut of a quota relative to its baseline; meaningful only under `quota` (0 otherwise)",
)
NON_CHINA_SOURCING = Column(
    "non_china_sourcing",
    "fraction",
    "mean share of firms' purchases contracted from non-China processors, weighted by base need",
    "firms' non-China contracted share",
)
THRIFT = Column(
    "thrift", "fraction", "mean realised thrift (intensity designed out), weighted by base need"
)
RECYCLING_RATE = Column("recycling_rate", "fraction", "recycled share of the importer's need")
SECURITY_PREMIUM = Column(
    "security_premium",
    "fraction of price",
    "premium on contracted non-China supply $\\pi_m$ (same for all importers)",
)
CHINA_PAYOFF = Column(
    "china_payoff",
    "USD m",
    "China's payoff this month, undiscounted (same on all rows of the month)",
)
IMPORTER_PAYOFF = Column(
    "importer_payoff",
    "USD m",
    "this importer's payoff this month, undiscounted (same on both material rows)",
)

ROUND_COLUMNS = (
    STEP,
    DATE,
    ROUND,
    MATERIAL,
    IMPORTER,
    PRICE_EX_CHINA,
    PRICE_CHINA,
    PRICE_MULTIPLE,
    CHINA_LEGAL_OUTPUT,
    CHINA_ILLEGAL_OUTPUT,
    CHINA_RESERVE_T,
    CHINA_EXPORTS_ALL,
    CHINA_LEAKAGE_ALL,
    CHINA_MAGNET_EXPORTS_ALL,
    CHINA_MINING_SHARE,
    CHINA_PROCESSING_SHARE,
    NON_CHINA_MINING_CAPACITY,
    NON_CHINA_PROCESSING_CAPACITY,
    NON_CHINA_PROCESSING_PIPELINE,
    EXPORTS_FROM_CHINA,
    MAGNETS_FROM_CHINA,
    MAGNETS_REFUSED,
    MAGNETS_MADE_AT_HOME,
    MAGNET_PLANT_CAPACITY,
    LEAKAGE,
    NON_CHINA_SUPPLY,
    STOCKPILE_T,
    STOCKPILE_DAYS,
    SHORTAGE_FRACTION,
    LOST_OUTPUT,
    PERCEIVED_RISK,
    FIRM_RISK,
    REPUTATION,
    CHINA_DEPENDENCE,
    LEVERAGE,
    CHINA_POLICY,
    CHINA_MAGNET_POLICY,
    LICENCE_APPROVAL_RATE,
    MAGNET_LICENCE_APPROVAL_RATE,
    QUOTA_CUT,
    NON_CHINA_SOURCING,
    THRIFT,
    RECYCLING_RATE,
    SECURITY_PREMIUM,
    CHINA_PAYOFF,
    IMPORTER_PAYOFF,
)

# -- payoffs: one row per month × player --------------------------------------------------
# The terms a month's payoff is the sum of, one column each (0 where a term does not
# apply to the player); docs/odd.md §7 says which rest on assumed weights.
EXPORT_MARGIN = Column(
    "export_margin",
    "USD m",
    "China: legal exports × (ex-China price − China's unit cost), plus magnets' rare-earth "
    "content × (the higher of the ex-China price and China's export price − its unit cost)",
)
LEVERAGE_VALUE = Column(
    "leverage_value",
    "USD m",
    "China: `china.leverage_value_usd_m_per_month` × importers' mean indispensability "
    "(assumed weight)",
)
LEVERAGE_LOSS = Column(
    "leverage_loss",
    "USD m",
    "China: − value of leverage lost to capacity completed abroad (+ when capacity exits)",
)
CAPTURED_INDUSTRY = Column(
    "captured_industry",
    "USD m",
    "China: `china.domestic_industry_weight` × importers' output lost to shortages "
    "(assumed weight)",
)
ENFORCEMENT = Column("enforcement", "USD m", "China: − cost of enforcing its controls")
RETALIATION = Column(
    "retaliation",
    "USD m",
    "China: − cost of importers' retaliation; an importer: − its own cost of retaliating",
)
WTO_DEFIANCE = Column(
    "wto_defiance",
    "USD m",
    "China: − `china.wto_defiance_cost_usd_m_per_month` for each importer that won a WTO "
    "case against its quotas and still faces a quota or a ban (assumed weight)",
)
CONCESSIONS = Column(
    "concessions", "USD m", "deals: + to China, − to the importer that paid, in the month accepted"
)
PARTNERSHIPS = Column(
    "partnerships", "USD m", "China: value of a third country joining its partnership"
)
FIRMS_PROFIT = Column("firms_profit", "USD m", "an importer: its firms' profit")
STOCKPILE_HOLDING = Column(
    "stockpile_holding", "USD m", "an importer: − cost of holding its stockpile"
)
STOCKPILE_PURCHASES = Column(
    "stockpile_purchases", "USD m", "an importer: − stockpile bought this month"
)
POLICY_SPENDING = Column(
    "policy_spending", "USD m", "an importer: − subsidies and R&D paid this month"
)
PRICE_FLOOR_SUPPORT = Column(
    "price_floor_support", "USD m", "an importer: − top-ups paid under its price floor"
)
PRODUCER_PROFIT = Column("producer_profit", "USD m", "a producer: its operating profit")
PAYOFF_TERMS = (
    EXPORT_MARGIN,
    LEVERAGE_VALUE,
    LEVERAGE_LOSS,
    CAPTURED_INDUSTRY,
    ENFORCEMENT,
    RETALIATION,
    WTO_DEFIANCE,
    CONCESSIONS,
    PARTNERSHIPS,
    FIRMS_PROFIT,
    STOCKPILE_HOLDING,
    STOCKPILE_PURCHASES,
    POLICY_SPENDING,
    PRICE_FLOOR_SUPPORT,
    PRODUCER_PROFIT,
)
PAYOFF_COLUMNS = (
    Column("step", NO_UNIT, "month number"),
    DATE,
    Column(
        "round",
        NO_UNIT,
        "decision round the month belongs to (0 = first); per-round payoffs are "
        '`groupby(["player", "round"]).payoff.sum()`',
    ),
    Column("player", NO_UNIT, "player name"),
    Column("role", NO_UNIT, "`china`, `importer` or `producer`"),
    Column("payoff", "USD m", "payoff this month, undiscounted"),
    Column("cumulative", "USD m", "sum of `payoff` from the first month, undiscounted"),
    Column(
        "discounted_cumulative",
        "USD m (of month 1)",
        "$\\sum_t \\delta^{t-1}\\,\\text{payoff}_t$ with $\\delta = (1+\\rho)^{-1/12}$, "
        "$\\rho$ = `payoffs.discount_rate_per_year`",
    ),
    *PAYOFF_TERMS,
)

# -- actions: one row per action × material × target --------------------------------------
ACTION_COLUMNS = (
    Column("step", NO_UNIT, "month number in which the action was applied"),
    DATE,
    Column(
        "actor",
        NO_UNIT,
        "`china`, an importer, a producer, `wto` (rulings), or `other` (third countries "
        "joining a partnership)",
    ),
    Column(
        "action",
        NO_UNIT,
        f"an action kind ({', '.join(f'`{kind}`' for kind in Kind)}) or a model event "
        "(`exit`, `abandon`, `join_partnership`, `ruling`, `ruling_complied`, `abolish_quotas`, "
        "`deal_lapsed`)",
    ),
    Column("material", NO_UNIT, "material group, or empty"),
    Column("target", NO_UNIT, "destination (an importer or `other`), or empty"),
    Column(
        "parameters",
        NO_UNIT,
        "the action's parameters as `key=value` pairs separated by `;` (defaults filled in)",
    ),
    Column(
        "source",
        NO_UNIT,
        "where it came from: `strategy` (a strategy's decision), `event` (scripted in the "
        "scenario), `entry` (an entrant's first project), `subsidy:<importer>` (capacity "
        "funded by that importer), `margin` (project abandoned for a negative expected "
        "margin), `losses` (exit after persistent losses), `uptake` (partnership taken up), "
        "`wto_case` (a ruling: against China's quotas or dismissed), `wto_ruling` (quotas "
        "abolished after a lost ruling), `timeout` (a deal offer China let lapse)",
    ),
    Column(
        "note",
        NO_UNIT,
        "free text: a scripted event's `note`, the concession of an accepted deal, a "
        "ruling's outcome; often empty",
    ),
)


# -- Mesa's model reporters ---------------------------------------------------------------
#: China's running payoff, collected by Mesa's DataCollector at step 0 and every step.
CHINA_CUMULATIVE_PAYOFF = Column(
    "china_payoff", "USD m", "China's cumulative (undiscounted) payoff"
)
#: World series per material, collected as ``<column>_<material>`` (what
#: ``mesa.batch_run`` and SolaraViz plots read).
WORLD_SERIES = (
    PRICE_MULTIPLE,
    CHINA_PROCESSING_SHARE,
    CHINA_MINING_SHARE,
    NON_CHINA_PROCESSING_CAPACITY,
)


def world_key(column: Column, material: str) -> str:
    """The model reporter's name for one material's world series."""
    return f"{column.name}_{material}"
