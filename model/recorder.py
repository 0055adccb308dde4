"""Per-step records in Mesa's DataCollector tables: tidy rows, one per material × importer.

World-level values (prices, shares, capacities) repeat on each importer's row
so the table is tidy for pandas and seaborn. The columns, their units and meanings are
declared in :mod:`overplay.model.columns`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from overplay.agents.actions import Regime
from overplay.agents.china import ExportPolicy
from overplay.agents.firms import FirmFlows
from overplay.model.calendar import date_of_step
from overplay.model.columns import (
    CHINA_CUMULATIVE_PAYOFF,
    CHINA_MINING_SHARE,
    CHINA_PROCESSING_SHARE,
    NON_CHINA_PROCESSING_CAPACITY,
    PAYOFF_COLUMNS,
    PAYOFF_TERMS,
    PRICE_MULTIPLE,
    ROUND_COLUMNS,
    names,
    world_key,
)
from overplay.model.tally import RunTally
from overplay.model.units import DAYS_PER_MONTH

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


def read_world(key: str, model: LeverageModel) -> float:
    """A model reporter: one cached world value (picklable via ``functools.partial``)."""
    return model.recorder.world[key]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> list[float]:
    """Element-wise numerator / denominator, 0 where the denominator is not positive."""
    return np.divide(
        numerator, denominator, out=np.zeros_like(numerator, dtype=float), where=denominator > 0
    ).tolist()


def _quota_cut(policy: ExportPolicy) -> float:
    """The quota's cut while a quota is in force, 0 otherwise (a policy keeps the cut of
    an earlier quota after it moves on)."""
    return policy.cut if policy.regime is Regime.QUOTA else 0.0


def _approval(policy: ExportPolicy) -> float:
    """Share of requests China lets through by licence: the approval rate when licensing,
    0 under a ban, 1 when open or under a quota (quotas cap volume, not approvals)."""
    if policy.regime is Regime.LICENSING:
        return policy.approval_rate
    return 0.0 if policy.regime is Regime.BAN else 1.0


@dataclass
class MonthRecord:
    """What one month's table rows are made of, captured when the month ends (read
    only; not frozen, which would make every month's record several times dearer).

    State changed in place (reputations, policies, thrift) is copied; arrays and dicts
    the model replaces every month are kept by reference.
    """

    step: int
    round: int
    rows: dict[str, dict]
    shortage: np.ndarray  # importers × materials, like the four arrays below
    leverage: np.ndarray
    flows: FirmFlows
    region_need: np.ndarray
    recycled: np.ndarray
    stockpile: np.ndarray
    risk: np.ndarray
    recycling: np.ndarray
    reputation: dict[str, float]
    policy: dict[tuple[str, str], ExportPolicy]
    magnet_policy: dict[tuple[str, str], ExportPolicy]
    magnet_plants: np.ndarray  # importers × materials, t of content/yr
    capacity: dict[tuple[str, str], float]  # installed nameplate, by (material, stage)
    pipeline: dict[tuple[str, str], float]  # under construction
    firm_memory: np.ndarray  # importers' memory of refused supply, read by the firms
    firm_contracted: np.ndarray
    firm_thrift: np.ndarray
    players: list[tuple[str, str, float, float]]
    payoff_terms: dict[str, dict[str, float]]  # player → term → USD m, this month


class LazyTables(mesa.DataCollector):
    """Mesa's DataCollector whose table rows are added when a table is first read.

    Each month leaves a :class:`MonthRecord`; ``get_table_dataframe`` first adds the
    rows of the months recorded since the last read (through ``add_table_row``, with
    the values they would have had if added at once). A step then costs a few
    references instead of a dict per table row.
    """

    def __init__(self, add_pending_rows: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_pending_rows = add_pending_rows

    def get_table_dataframe(self, table_name: str) -> pd.DataFrame:
        self.add_pending_rows()
        return super().get_table_dataframe(table_name)


class Recorder:
    """Each step: folds the month into the run's tallies, caches the world series for
    Mesa's model reporters and, when ``keep_tables`` is on, keeps the month's record for
    the DataCollector tables (added when first read; sweeps keeping no per-step data
    skip even the record)."""

    def __init__(self, model: LeverageModel, tables: bool = True) -> None:
        self.model = model
        self.keep_tables = tables
        self.tally = RunTally.for_model(model)
        # Each material's world-series keys, named once for the step's loop.
        self._world_keys = {
            m: (
                world_key(PRICE_MULTIPLE, m),
                world_key(CHINA_PROCESSING_SHARE, m),
                world_key(CHINA_MINING_SHARE, m),
                world_key(NON_CHINA_PROCESSING_CAPACITY, m),
            )
            for m in model.materials
        }
        self.world: dict[str, float] = {CHINA_CUMULATIVE_PAYOFF.name: 0.0}
        for m, (price, processing, mining, built) in self._world_keys.items():
            cfg = model.config.materials[m]
            self.world |= {
                price: 1.0,
                processing: cfg.china_processing_share,
                mining: cfg.china_mining_share,
                built: model.nonchina_capacity(m, "processing"),
            }
        self._pending: list[MonthRecord] = []
        self._previous_payoff: dict[str, float] = {}
        self.datacollector = LazyTables(
            self.add_pending_rows,
            model_reporters={key: partial(read_world, key) for key in self.world},
            tables={"rounds": names(ROUND_COLUMNS), "payoffs": names(PAYOFF_COLUMNS)},
        )

    def record(self) -> None:
        model = self.model
        world, rows = self.world, model.last.rows
        installed = model.producers_now().installed()
        for m, (price, processing, mining, built) in self._world_keys.items():
            row = rows[m]
            world[price] = row["price_ex_china"] / row["reference_price"]
            world[processing] = row["china_processing_share"]
            world[mining] = row["china_mining_share"]
            world[built] = installed[(m, "processing")]
        world[CHINA_CUMULATIVE_PAYOFF.name] = model.payoff["china"]
        self.tally.add(model, world)
        self.datacollector.collect(model)
        if self.keep_tables:
            self._pending.append(self._month_record())

    @contextmanager
    def history_set_aside(self) -> Iterator[None]:
        """While the model is copied for a forecast: the copy carries no recorded months
        or collected series and records no tables (a forecast reads payoffs only).
        Copying the history made pickling most of a tournament's time."""
        collector = self.datacollector
        saved = self.keep_tables, self._pending, collector.model_vars, collector.tables
        self.keep_tables, self._pending = False, []
        collector.model_vars = {key: [] for key in collector.model_vars}
        collector.tables = {
            name: {column: [] for column in table} for name, table in collector.tables.items()
        }
        try:
            yield
        finally:
            self.keep_tables, self._pending, collector.model_vars, collector.tables = saved

    def add_pending_rows(self) -> None:
        """Add the rows of the months recorded since the last read to the tables."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        pop = self.model.firm_population
        weight = pop.by_region(pop.base_need)  # the firm means' weights, for every month
        for month in pending:
            payoffs = self._payoff_deltas(month.players)
            self._add_round_rows(month, payoffs, weight)
            self._add_payoff_rows(month, payoffs)

    def _month_record(self) -> MonthRecord:
        model = self.model
        last = model.last
        pop = model.firm_population
        totals = model.producers_now()
        return MonthRecord(
            step=model.step_count,
            round=model.round,
            rows=last.rows,
            shortage=last.shortage,
            leverage=last.leverage,
            flows=last.flows,
            region_need=last.region_need,
            recycled=last.recycled,
            stockpile=last.stockpile,
            risk=last.risk,
            recycling=last.recycling,
            reputation=dict(model.china.reputation),
            policy=dict(model.china.policy),
            magnet_policy=dict(model.china.magnet_policy),
            magnet_plants=model.importer_arrays.magnet_capacity
            + model.importer_arrays.magnet_built,
            capacity=totals.installed(),
            pipeline=totals.under_construction(),
            firm_memory=pop.region_memory,
            firm_contracted=pop.contracted,
            firm_thrift=pop.thrift.copy(),
            players=list(self._players()),
            payoff_terms=model.ledger.month,
        )

    def _add_round_rows(
        self, month: MonthRecord, payoffs: dict[str, float], weight: np.ndarray
    ) -> None:
        """The month's tidy rows, one per material × importer: the values every
        importer's row repeats, then each importer's own."""
        model = self.model
        rows, flows = month.rows, month.flows
        pop = model.firm_population
        importers = model.importer_names
        date = date_of_step(model.config.start, month.step)
        daily = month.region_need / DAYS_PER_MONTH
        firm_risk = pop.mean_by_region(pop.risk_from(month.firm_memory), pop.base_need, weight)
        sourcing = pop.mean_by_region(month.firm_contracted, pop.base_need, weight)
        thrift = pop.mean_by_region(month.firm_thrift, pop.base_need, weight)
        for j, m in enumerate(model.materials):
            row = rows[m]
            exports, leak = np.array(row["exports"]), np.array(row["leak"])
            magnets = np.array(row["magnets_from_china"])
            nonchina = np.array(row["nonchina_received"])
            china = exports + leak + magnets
            received = china + nonchina + month.recycled[:, j]
            stock = month.stockpile[:, j]
            policies = [month.policy[(m, n)] for n in importers]
            magnet_policies = [month.magnet_policy[(m, n)] for n in importers]
            same = {
                "step": month.step,
                "date": date,
                "round": month.round,
                "material": m,
                "price_ex_china": row["price_ex_china"],
                "price_china": row["price_china"],
                "price_multiple": row["price_ex_china"] / row["reference_price"],
                "china_legal_output": row["china_legal_output"],
                "china_illegal_output": row["china_illegal_output"],
                "china_reserve_t": row["china_reserve_t"],
                "china_exports_all": row["world_exports"],
                "china_leakage_all": row["world_leakage"],
                "china_magnet_exports_all": row["magnet_exports"],
                "china_mining_share": row["china_mining_share"],
                "china_processing_share": row["china_processing_share"],
                "non_china_mining_capacity": month.capacity[(m, "mining")],
                "non_china_processing_capacity": month.capacity[(m, "processing")],
                "non_china_processing_pipeline": month.pipeline[(m, "processing")],
                "security_premium": row["security_premium"],
                "china_payoff": payoffs["china"],
            }
            per_importer = {
                "importer": importers,
                "exports_from_china": exports.tolist(),
                "magnets_from_china": magnets.tolist(),
                "magnets_refused": np.asarray(row["magnets_refused"]).tolist(),
                "magnets_made_at_home": np.asarray(row["magnets_made_at_home"]).tolist(),
                "magnet_plant_capacity": month.magnet_plants[:, j].tolist(),
                "leakage": leak.tolist(),
                "non_china_supply": nonchina.tolist(),
                "stockpile_t": stock.tolist(),
                "stockpile_days": _ratio(stock, daily[:, j]),
                "shortage_fraction": month.shortage[:, j].tolist(),
                "lost_output": flows.lost_output_usd_m[:, j].tolist(),
                "perceived_risk": month.risk[:, j].tolist(),
                "firm_risk": firm_risk[:, j].tolist(),
                "reputation": [month.reputation[n] for n in importers],
                "china_dependence": _ratio(china, received),
                "leverage": month.leverage[:, j].tolist(),
                "china_policy": [p.regime.value for p in policies],
                "china_magnet_policy": [p.regime.value for p in magnet_policies],
                "licence_approval_rate": [_approval(p) for p in policies],
                "magnet_licence_approval_rate": [_approval(p) for p in magnet_policies],
                "quota_cut": [_quota_cut(p) for p in policies],
                "non_china_sourcing": sourcing[:, j].tolist(),
                "thrift": thrift[:, j].tolist(),
                "recycling_rate": month.recycling[:, j].tolist(),
                "importer_payoff": [payoffs[n] for n in importers],
            }
            for values in zip(*per_importer.values(), strict=True):
                own = dict(zip(per_importer, values, strict=True))
                self.datacollector.add_table_row("rounds", same | own)

    def _add_payoff_rows(self, month: MonthRecord, payoffs: dict[str, float]) -> None:
        """The month's payoff rows, one per player (China, importers, producers)."""
        date = date_of_step(self.model.config.start, month.step)
        for player, role, cumulative, discounted in month.players:
            row = {
                "step": month.step,
                "date": date,
                "round": month.round,
                "player": player,
                "role": role,
                "payoff": payoffs.get(player, 0.0),
                "cumulative": cumulative,
                "discounted_cumulative": discounted,
            }
            terms = month.payoff_terms.get(player, {})
            for term in PAYOFF_TERMS:
                row[term.name] = terms.get(term.name, 0.0)
            self.datacollector.add_table_row("payoffs", row)

    def _players(self) -> Iterator[tuple[str, str, float, float]]:
        model = self.model
        for player, value in model.payoff.items():
            role = "china" if player == "china" else "importer"
            yield player, role, value, model.discounted_payoff[player]
        for producer in model.producers:
            yield producer.name, "producer", producer.cumulative_profit, producer.discounted_profit

    def _payoff_deltas(self, players: list[tuple[str, str, float, float]]) -> dict[str, float]:
        """A month's payoff per player, from the running totals."""
        deltas = {}
        for player, _role, cumulative, _discounted in players:
            deltas[player] = cumulative - self._previous_payoff.get(player, 0.0)
            self._previous_payoff[player] = cumulative
        return deltas
