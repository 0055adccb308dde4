"""A generated corpus of bad scenarios, one per way a scenario can be wrong.

Each :class:`Case` is a set of files written into a fresh folder, the command-line
arguments that load them, and where the problem must be reported: the file, the line
and the key path of the first ``FILE:LINE: key: message`` line. A line in a file's
text ending in ``#<`` is the expected line (the marker is stripped when written).

Classes (the issue's item 3): event parameters out of range or of the wrong type, an
actor taking an action its role may not take, events outside the simulated period,
strategy parameters that name what the scenario lacks or a bad fallback, NaN,
infinities, booleans and text where numbers belong, shares that are negative or sum
over 1, name collisions and reserved names, output names that leave ``results/``,
YAML the loader must refuse with bounded work (complex, null, bool and number keys,
deep nesting, alias bombs, huge files, tags), ``extends`` to what is not a scenario
file or too long a chain, and ``--set`` problems (blamed on ``--set``, not a file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from overplay.model.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES
from overplay.model.scenario_files import bundled_dir

MARK = "#<"
BUNDLED = "<bundled>"  # expected file: the bundled baseline scenario


@dataclass(frozen=True)
class Case:
    """One bad input and where its problem must be reported."""

    id: str
    files: dict[str, str] = field(default_factory=dict)
    main: str = "bad.yaml"
    args: tuple[str, ...] = ()
    path: str = ""  # expected key path ("" for problems with a whole file)
    file: str | None = None  # expected file (default: the one holding the marker)
    line: int | None = None  # expected line (default: the marked line)
    setup: Callable[[Path], None] | None = None  # makes special files (FIFOs, links)
    commands: tuple[str, ...] = ("validate", "run")  # options only `run` has: ("run",)

    def write(self, folder: Path) -> tuple[str, str, int]:
        """Write the files; return the scenario argument, expected file and line."""
        file, line = self.file, self.line
        for name, text in self.files.items():
            rows = text.split("\n")
            for number, row in enumerate(rows, start=1):
                if row.rstrip().endswith(MARK):
                    rows[number - 1] = row.rstrip()[: -len(MARK)].rstrip()
                    file = file or name
                    line = number if line is None else line
            (folder / name).write_text("\n".join(rows), encoding="utf-8")
        if self.setup is not None:
            self.setup(folder)
        if file == BUNDLED:
            expected_file = str(bundled_dir() / "baseline.yaml")
        elif file is None or file.startswith("--"):
            expected_file = file or str(folder / self.main)
        else:
            expected_file = str(folder / file)
        main = self.main if self.main in ("baseline",) else str(folder / self.main)
        return main, expected_file, 0 if line is None else line


HEAD = 'name: bad\nstart: "2025-01"\nyears: 2\n'


def _event(lines: str) -> str:
    """A scenario with one event; ``lines`` are the event's keys (indented 4)."""
    return HEAD + "events:\n  - at: 2\n" + lines


def event_param_cases() -> list[Case]:
    """Parameters out of range or of the wrong type (``cut: 5`` gave shares of -4.75e14)."""
    bad = {
        ("china", "quota", "cut"): [
            "5",
            "-0.1",
            "1.5",
            "true",
            "half",
            ".nan",
            ".inf",
            "-.inf",
            "[0.4]",
        ],
        ("china", "license", "approval_rate"): ["2", "-1", "true", ".nan"],
        ("china", "license", "delay_months"): ["-5", "1000", ".inf"],
        ("china", "ban", "products"): ["magnet", "3", "[oxides]"],
        ("china", "enforce", "level"): ["2", "-1"],
        ("china", "price_war", "discount"): ["0.95", "-0.1"],
        ("china", "price_war", "active"): ["1"],
        ("china", "tech_ban", "active"): ['"yes"', "0"],
        ("china", "accept_deal", "importer"): ["narnia", "3"],
        ("us", "stockpile", "target_days"): ["-1", "10000", ".inf"],
        ("us", "subsidize", "usd_m_per_year"): ["-5", ".inf", "1e300"],
        ("us", "subsidize", "stage"): ["refining"],
        ("us", "price_floor", "usd_per_kg"): ["-1", ".nan"],
        ("us", "offer_deal", "months"): ["0", "-1", "1e6"],
        ("us", "offer_deal", "concession_usd_m"): ["-1"],
        ("us", "retaliate", "level"): ["1.5"],
        ("us", "coordinate", "active"): ["0"],
        ("lynas", "invest", "capacity_t_per_year"): ["-1", "0"],
        ("lynas", "invest", "lead_time_years"): ["0", "100"],
    }
    required = {
        "stockpile": {"target_days": "30"},
        "subsidize": {"usd_m_per_year": "100"},
        "price_floor": {"usd_per_kg": "100"},
        "offer_deal": {"concession_usd_m": "100"},
        "accept_deal": {"importer": "us"},
        "invest": {"stage": "processing", "capacity_t_per_year": "1000", "lead_time_years": "2"},
    }
    cases = []
    for (actor, action, param), values in bad.items():
        for value in values:
            others = "".join(
                f"      {k}: {v}\n" for k, v in required.get(action, {}).items() if k != param
            )
            text = _event(
                f"    actor: {actor}\n    action: {action}\n    params:\n"
                f"      {param}: {value} {MARK}\n{others}"
            )
            cases.append(
                Case(
                    f"event-{action}-{param}={value}",
                    {"bad.yaml": text},
                    path=f"events.0.params.{param}",
                )
            )
    cases.append(
        Case(
            "event-unknown-param",
            {
                "bad.yaml": _event(
                    f"    actor: china\n    action: quota\n    params:\n      cutt: 0.4 {MARK}\n"
                )
            },
            path="events.0.params.cutt",
        )
    )
    cases.append(
        Case(
            "event-missing-required-param",
            {
                "bad.yaml": HEAD
                + f"events:\n  - at: 2 {MARK}\n    actor: us\n    action: stockpile\n"
            },
            path="events.0.params.target_days",
        )
    )
    return cases


def event_scope_cases() -> list[Case]:
    """Actors taking actions their role may not take; names the scenario lacks; dates."""
    role = [
        ("us", "ban"),
        ("japan", "quota"),
        ("eu", "open"),
        ("us", "license"),
        ("china", "stockpile"),
        ("china", "invest"),
        ("lynas", "subsidize"),
        ("lynas", "ban"),
        ("mp_materials", "retaliate"),
    ]
    cases = [
        Case(
            f"role-{actor}-{action}",
            {"bad.yaml": _event(f"    actor: {actor}\n    action: {action} {MARK}\n")},
            path="events.0.action",
        )
        for actor, action in role
    ]
    cases += [
        Case(
            "event-unknown-actor",
            {"bad.yaml": _event(f"    actor: narnia {MARK}\n    action: ban\n")},
            path="events.0.actor",
        ),
        Case(
            "event-unknown-action",
            {"bad.yaml": _event(f"    actor: china\n    action: embargo {MARK}\n")},
            path="events.0.action",
        ),
        Case(
            "event-unknown-target",
            {
                "bad.yaml": _event(
                    f"    actor: china\n    action: ban\n    targets: [narnia] {MARK}\n"
                )
            },
            path="events.0.targets",
        ),
        Case(
            "event-unknown-material",
            {
                "bad.yaml": _event(
                    f"    actor: china\n    action: ban\n    materials: [unobtainium] {MARK}\n"
                )
            },
            path="events.0.materials",
        ),
        Case(
            "event-target-is-china",
            {
                "bad.yaml": _event(
                    f"    actor: china\n    action: ban\n    targets: [china] {MARK}\n"
                )
            },
            path="events.0.targets",
        ),
    ]
    dates = {
        "before-start": '"2024-12"',
        "after-end": '"2027-01"',
        "step-0": "0",
        "step-after-end": "25",
        "month-13": '"2025-13"',
        "bool": "true",
        "float": "2.5",
        "far-future": '"9999-12"',
    }
    for label, at in dates.items():
        text = HEAD + f"events:\n  - at: {at} {MARK}\n    actor: china\n    action: ban\n"
        cases.append(Case(f"event-at-{label}", {"bad.yaml": text}, path="events.0.at"))
    return cases


def _strategy(section: str, body: str) -> str:
    return HEAD + section + body


def strategy_cases() -> list[Case]:
    """Strategy parameters: ranges, types, and names checked against the scenario."""
    china = "china:\n  strategy:\n"
    specs = [
        (
            "targets",
            f"    name: periodic_coercion\n    params:\n      targets: [narnia] {MARK}\n",
            "china.strategy.params.targets",
        ),
        (
            "materials",
            f"    name: periodic_coercion\n    params:\n      materials: [unobtainium] {MARK}\n",
            "china.strategy.params.materials",
        ),
        (
            "cut",
            f"    name: periodic_coercion\n    params:\n      cut: 5 {MARK}\n",
            "china.strategy.params.cut",
        ),
        (
            "cut-bool",
            f"    name: periodic_coercion\n    params:\n      cut: true {MARK}\n",
            "china.strategy.params.cut",
        ),
        (
            "period-0",
            f"    name: periodic_coercion\n    params:\n      period_rounds: 0 {MARK}\n",
            "china.strategy.params.period_rounds",
        ),
        (
            "period-float",
            f"    name: periodic_coercion\n    params:\n      period_rounds: 2.5 {MARK}\n",
            "china.strategy.params.period_rounds",
        ),
        (
            "severity-nan",
            f"    name: periodic_coercion\n    params:\n      severity: .nan {MARK}\n",
            "china.strategy.params.severity",
        ),
        (
            "instrument",
            f"    name: periodic_coercion\n    params:\n      instrument: embargo {MARK}\n",
            "china.strategy.params.instrument",
        ),
        (
            "unknown-param",
            f"    name: periodic_coercion\n    params:\n      cutt: 0.4 {MARK}\n",
            "china.strategy.params.cutt",
        ),
        ("unknown-name", f"    name: periodic_coersion {MARK}\n", "china.strategy.name"),
        ("importer-strategy-for-china", f"    name: passive {MARK}\n", "china.strategy.name"),
        (
            "fallback-unknown",
            f"    name: human\n    params:\n      fallback: nonsense {MARK}\n",
            "china.strategy.params.fallback",
        ),
        (
            "fallback-looks-ahead",
            f"    name: human\n    params:\n      fallback: myopic_best_response {MARK}\n",
            "china.strategy.params.fallback",
        ),
        (
            "fallback-human",
            f"    name: ewa_learning\n    params:\n      fallback: human {MARK}\n",
            "china.strategy.params.fallback",
        ),
        (
            "menu-fallback-importer-rule",
            f"    name: myopic_best_response\n    params:\n      fallback: passive {MARK}\n",
            "china.strategy.params.fallback",
        ),
        (
            "move-target",
            "    name: myopic_best_response\n    params:\n"
            f'      moves: [open, "ban:narnia"] {MARK}\n',
            "china.strategy.params.moves.1",
        ),
        (
            "move-unknown",
            f"    name: myopic_best_response\n    params:\n      moves: [open, embargo] {MARK}\n",
            "china.strategy.params.moves",
        ),
        (
            "deadline-inf",
            f"    name: human\n    params:\n      deadline_seconds: .inf {MARK}\n",
            "china.strategy.params.deadline_seconds",
        ),
    ]
    cases = [
        Case(f"strategy-china-{label}", {"bad.yaml": _strategy(china, body)}, path=path)
        for label, body, path in specs
    ]
    importer = "importers:\n  us:\n    strategy:\n"
    specs = [
        (
            "fallback-china-rule",
            f"      name: human\n      params:\n        fallback: always_open {MARK}\n",
            "importers.us.strategy.params.fallback",
        ),
        (
            "move-with-target",
            "      name: myopic_best_response\n      params:\n"
            f'        moves: [hold, "stockpile:japan"] {MARK}\n',
            "importers.us.strategy.params.moves.1",
        ),
        (
            "threshold-bool",
            "      name: threshold_diversifier\n      params:\n"
            f"        risk_threshold: true {MARK}\n",
            "importers.us.strategy.params.risk_threshold",
        ),
        (
            "level-0",
            f"      name: retaliator\n      params:\n        level: 0 {MARK}\n",
            "importers.us.strategy.params.level",
        ),
        ("china-strategy", f"      name: always_ban {MARK}\n", "importers.us.strategy.name"),
    ]
    cases += [
        Case(f"strategy-importer-{label}", {"bad.yaml": _strategy(importer, body)}, path=path)
        for label, body, path in specs
    ]
    light_only = (
        "materials:\n  light: {}\nimporters:\n  us: {demand_share_outside_china: {light: 0.05}, "
        "nonchina_sourcing: {light: 0.2}}\nproducers:\n  - name: lynas\n"
        "    mining_share: {light: 1.0}\n    processing_share: {light: 1.0}\n"
        f"china:\n  strategy: tit_for_tat {MARK}\n"
    )
    cases.append(
        Case(
            "strategy-default-material-missing",
            {"bad.yaml": HEAD + light_only},
            path="china.strategy.params.materials",
        )
    )
    return cases


NUMBER_FIELDS = [
    ("materials", "light", "demand_t_per_year"),
    ("materials", "heavy", "capex_usd_per_t_per_year"),
    ("materials", "light", "reference_price_usd_per_kg"),
    ("materials", "light", "price_elasticity"),
    ("materials", "heavy", "entrant_size_t_per_year"),
    ("market", None, "max_price_multiple"),
    ("market", None, "price_speed_per_month"),
    ("materials", "light", "china_production_quota_t_per_year"),
    ("china", None, "illegal_supply_per_quota"),
    ("timing", None, "brownfield_lead_time_years"),
    ("risk", None, "half_life_months"),
    ("policy", None, "research_half_usd_m"),
    ("china", None, "enforcement_cost_usd_m_per_month"),
    ("china", None, "leverage_value_usd_m_per_month"),
    ("importers", "us", "retaliation_cost_to_china_usd_m_per_month"),
    ("importers", "japan", "stockpile_target_days"),
    ("payoffs", None, "discount_rate_per_year"),
    ("firms", None, "size_sigma"),
    ("producer_rules", None, "hurdle_margin"),
]


def number_cases() -> list[Case]:
    """NaN, infinities, booleans and text where numbers belong, in every section."""
    cases = []
    for section, entry, key in NUMBER_FIELDS:
        for label, value in (("inf", ".inf"), ("nan", ".nan"), ("bool", "true")):
            if entry is None:
                text = HEAD + f"{section}:\n  {key}: {value} {MARK}\n"
                path = f"{section}.{key}"
            else:
                text = HEAD + f"{section}:\n  {entry}:\n    {key}: {value} {MARK}\n"
                path = f"{section}.{entry}.{key}"
            cases.append(Case(f"number-{path}-{label}", {"bad.yaml": text}, path=path))
    top = {"years": [".nan", "true", '"10"', "0", "1e9"], "seed": ["true", "-1", "1.5"]}
    for key, values in top.items():
        for value in values:
            text = f"name: bad\n{key}: {value} {MARK}\n"
            cases.append(Case(f"number-{key}={value}", {"bad.yaml": text}, path=key))
    for value in ("true", "1e3", "0", '"200"'):
        text = HEAD + f"firms:\n  count: {value} {MARK}\n"
        cases.append(Case(f"number-firms.count={value}", {"bad.yaml": text}, path="firms.count"))
    return cases


def share_cases() -> list[Case]:
    """Shares negative, NaN or over 1, and shares that must sum to 1 (or at most 1)."""
    imp = "importers:\n  us:\n"
    cases = [
        Case(
            f"share-demand-{label}",
            {
                "bad.yaml": HEAD
                + imp
                + f"    demand_share_outside_china: {{light: {value}}} {MARK}\n"
            },
            path="importers.us.demand_share_outside_china.light",
        )
        for label, value in (
            ("negative", "-0.1"),
            ("nan", ".nan"),
            ("over-1", "1.5"),
            ("bool", "true"),
        )
    ]
    cases.append(
        Case(
            "share-sourcing-over-1",
            {"bad.yaml": HEAD + imp + f"    nonchina_sourcing: {{light: 1.5}} {MARK}\n"},
            path="importers.us.nonchina_sourcing.light",
        )
    )
    cases.append(
        Case(
            "share-demand-sum-over-1",
            {
                "bad.yaml": HEAD
                + imp
                + "    demand_share_outside_china: {light: 0.65, heavy: 0.05}\n"
                + f"  japan:\n    demand_share_outside_china: {{light: 0.4}} {MARK}\n"
            },
            path="importers.japan.demand_share_outside_china.light",
        )
    )
    cases.append(
        Case(
            "share-demand-sum-over-1-new-importer",
            {
                "bad.yaml": HEAD
                + "importers:\n  japan:\n    demand_share_outside_china: {light: 0.6}\n"
                + "  korea:\n"
                + f"    demand_share_outside_china: {{light: 0.45, heavy: 0.01}} {MARK}\n"
            },
            path="importers.korea.demand_share_outside_china.light",
        )
    )
    cases.append(
        Case(
            "share-demand-unknown-material",
            {"bad.yaml": HEAD + imp + f"    demand_share_outside_china: {{medium: 0.1}} {MARK}\n"},
            path="importers.us.demand_share_outside_china.medium",
        )
    )
    sectors = {
        "negative": "{ev: 1.5, wind: -0.5}",
        "nan": "{ev: .nan, wind: 0.5}",
        "sum": "{ev: 0.5, wind: 0.2}",
        "empty": "{}",
    }
    paths = {
        "negative": "firms.sectors.ev",
        "nan": "firms.sectors.ev",
        "sum": "firms.sectors.wind",
        "empty": "firms.sectors",
    }
    for label, value in sectors.items():
        text = (
            HEAD + f"firms:\n  sectors: {value} {MARK}\n  value_added_factor: {{ev: 1, wind: 1}}\n"
        )
        cases.append(Case(f"share-sectors-{label}", {"bad.yaml": text}, path=paths[label]))
    cases.append(
        Case(
            "share-sector-without-value-added",
            {
                "bad.yaml": HEAD
                + "firms:\n  sectors: {ev: 0.5, wind: 0.5}\n"
                + f"  value_added_factor: {{ev: 1}} {MARK}\n"
            },
            path="firms.value_added_factor",
        )
    )
    cases.append(
        Case(
            "share-value-added-zero",
            {"bad.yaml": HEAD + f"firms:\n  value_added_factor: {{ev: 0}} {MARK}\n"},
            path="firms.value_added_factor.ev",
        )
    )
    producers = (
        "producers:\n  - name: one\n    mining_share: {light: 0.7}\n"
        f"  - name: two\n    mining_share: {{light: 0.6}} {MARK}\n"
    )
    cases.append(
        Case(
            "share-producers-sum-over-1",
            {"bad.yaml": HEAD + producers},
            path="producers.1.mining_share.light",
        )
    )
    cases.append(
        Case(
            "share-producer-negative",
            {
                "bad.yaml": HEAD
                + f"producers:\n  - name: one\n    mining_share: {{light: -1}} {MARK}\n"
            },
            path="producers.0.mining_share.light",
        )
    )
    return cases


def name_cases() -> list[Case]:
    """Players sharing a name, reserved names, names that are not plain."""
    us = "{demand_share_outside_china: {light: 0.01}, nonchina_sourcing: {light: 0.1}}"
    cases = [
        Case(
            f"name-importer-{name}",
            {"bad.yaml": HEAD + f"importers:\n  {name}: {us} {MARK}\n"},
            path=f"importers.{name}",
        )
        for name in ("china", "other", "wto", "US", "new-zealand")
    ]
    producer = "  - name: {}\n    mining_share: {{light: 0.1}}\n"
    cases += [
        Case(
            "name-two-producers",
            {
                "bad.yaml": HEAD
                + "producers:\n"
                + producer.format("mine")
                + f"  - name: mine {MARK}\n    mining_share: {{light: 0.1}}\n"
            },
            path="producers.1.name",
        ),
        Case(
            "name-producer-is-importer",
            {
                "bad.yaml": HEAD
                + "producers:\n"
                + f"  - name: us {MARK}\n    mining_share: {{light: 0.1}}\n"
            },
            path="producers.0.name",
        ),
        Case(
            "name-producer-china",
            {"bad.yaml": HEAD + "producers:\n" + f"  - name: china {MARK}\n"},
            path="producers.0.name",
        ),
        Case(
            "name-producer-entrant",
            {"bad.yaml": HEAD + "producers:\n" + f"  - name: entrant_3 {MARK}\n"},
            path="producers.0.name",
        ),
        Case(
            "name-producer-pattern",
            {"bad.yaml": HEAD + "producers:\n" + f"  - name: Mine One {MARK}\n"},
            path="producers.0.name",
        ),
        Case(
            "name-material",
            {"bad.yaml": HEAD + f"materials:\n  light!: {{}} {MARK}\n"},
            path="materials.light!",
        ),
    ]
    for label, value in (
        ("dotdot", '".."'),
        ("parent", "../escape"),
        ("absolute", "/tmp/x"),
        ("slash", "a/b"),
        ("hidden", ".hidden"),
        ("empty", '""'),
        ("long", "x" * 101),
        ("number", "42"),
    ):
        text = f"name: {value} {MARK}\nyears: 2\n"
        cases.append(Case(f"name-scenario-{label}", {"bad.yaml": text}, path="name"))
    return cases


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _alias_bomb() -> str:
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join(rows) + "\n"


def yaml_cases() -> list[Case]:
    """YAML the loader must refuse in bounded work, at the right line."""
    cases = [
        Case("key-mapping", {"bad.yaml": HEAD + f"? {{a: 1}} {MARK}\n: 2\n"}),
        Case("key-sequence", {"bad.yaml": HEAD + f"[a, b]: 1 {MARK}\n"}),
        Case("key-null", {"bad.yaml": HEAD + f"materials:\n  ~: {{}} {MARK}\n"}, path="materials"),
        Case("key-empty", {"bad.yaml": HEAD + f"importers:\n  : {{}} {MARK}\n"}),
        Case("key-bool", {"bad.yaml": HEAD + f"importers:\n  no: {{}} {MARK}\n"}, path="importers"),
        Case("key-int", {"bad.yaml": HEAD + f"importers:\n  1: {{}} {MARK}\n"}, path="importers"),
        Case("key-float", {"bad.yaml": HEAD + f"market:\n  1.5: 2 {MARK}\n"}, path="market"),
        Case("key-date", {"bad.yaml": HEAD + f"2025-01-01: x {MARK}\n"}),
        Case("key-top-int", {"bad.yaml": f"name: bad\n3: x {MARK}\n"}),
        Case("duplicate-key", {"bad.yaml": HEAD + f"years: 3 {MARK}\n"}, path="years"),
        Case("deep-nesting", {"bad.yaml": HEAD + f"description: {_nested(5000)} {MARK}\n"}),
        Case(
            "deep-nesting-block",
            {
                "bad.yaml": HEAD
                + "description:\n"
                + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(MAX_DEPTH + 5))
                + f"{'  ' * (MAX_DEPTH + 6)}v: 1\n"
            },
            line=4 + MAX_DEPTH,
        ),
        Case("alias-bomb", {"bad.yaml": HEAD + _alias_bomb()}, line=9),
        Case("alias-recursive", {"bad.yaml": HEAD + f"description: &a [1, *a] {MARK}\n"}),
        Case("alias-undefined", {"bad.yaml": HEAD + f"description: *nothing {MARK}\n"}),
        Case("huge-file", {"bad.yaml": HEAD + "# " + "x" * (MAX_FILE_BYTES + 10) + "\n"}, line=0),
        Case(
            "python-tag",
            {"bad.yaml": HEAD + f"description: !!python/object/apply:os.system [echo hi] {MARK}\n"},
            path="description",
        ),
        Case("tab-indent", {"bad.yaml": HEAD + f"market:\n\tmax_price_multiple: 2 {MARK}\n"}),
        Case("unclosed-flow", {"bad.yaml": HEAD + f"materials: {{light: {{}} {MARK}\n"}),
        Case("top-level-list", {"bad.yaml": f"- name: bad {MARK}\n"}),
        Case("top-level-scalar", {"bad.yaml": f"just text {MARK}\n"}),
        Case(
            "not-utf8",
            {"bad.yaml": ""},
            line=0,
            setup=lambda d: (d / "bad.yaml").write_bytes(b"name: \xff\xfe\n"),
        ),
        Case("two-documents", {"bad.yaml": HEAD + "---\nname: other\n"}, line=4),
    ]
    # values PyYAML's constructors refuse with a bare exception (issue 11 review, 1)
    for label, text in (
        ("date-day", "start: 2025-02-30"),
        ("date-month", "start: 2025-13-01"),
        ("float-tag", "years: !!float abc"),
        ("int-tag", "years: !!int zz"),
        ("int-huge", "years: " + "9" * 5000),
        ("nested-date", "events:\n  - at: 2025-02-30"),
    ):
        key = "events.0.at" if label == "nested-date" else text.split(":")[0]
        cases.append(Case(f"value-{label}", {"bad.yaml": f"name: bad\n{text} {MARK}\n"}, path=key))
    return cases


def extends_cases() -> list[Case]:
    """What ``extends:`` may not read, and chains it may not follow."""
    child = f"extends: {{}} {MARK}\nname: child\n"
    chain = {f"c{i}.yaml": f"extends: c{i + 1}.yaml\nname: c{i}\n" for i in range(11)}
    chain["c11.yaml"] = "name: c11\n"
    chain["c7.yaml"] = f"extends: c8.yaml {MARK}\nname: c7\n"
    cases = [
        Case(
            "extends-directory",
            {"bad.yaml": child.format("folder.yaml")},
            setup=lambda d: (d / "folder.yaml").mkdir(),
            path="extends",
        ),
        Case("extends-dev-zero", {"bad.yaml": child.format("/dev/zero")}, path="extends"),
        Case(
            "extends-dev-zero-yaml",
            {"bad.yaml": child.format("zero.yaml")},
            setup=lambda d: (d / "zero.yaml").symlink_to("/dev/zero"),
            path="extends",
        ),
        Case(
            "extends-fifo",
            {"bad.yaml": child.format("pipe.yaml")},
            setup=lambda d: os.mkfifo(d / "pipe.yaml"),
            path="extends",
        ),
        Case("extends-missing", {"bad.yaml": child.format("missing.yaml")}, path="extends"),
        Case("extends-unknown-bundled", {"bad.yaml": child.format("baseline2")}, path="extends"),
        Case(
            "extends-not-yaml",
            {"bad.yaml": child.format("notes.txt"), "notes.txt": "name: notes\n"},
            path="extends",
        ),
        Case("extends-list", {"bad.yaml": child.format("[baseline]")}, path="extends"),
        Case("extends-null", {"bad.yaml": child.format("~")}, path="extends"),
        Case("extends-self", {"bad.yaml": child.format("bad.yaml")}, path="extends"),
        Case(
            "extends-cycle",
            {
                "bad.yaml": "extends: b.yaml\nname: a\n",
                "b.yaml": f"extends: bad.yaml {MARK}\nname: b\n",
            },
            path="extends",
        ),
        Case("extends-chain", chain, main="c0.yaml", path="extends"),
        Case(
            "extends-parent-bad",
            {
                "bad.yaml": "extends: parent.yaml\nname: child\n",
                "parent.yaml": HEAD + f"market:\n  max_price_multiple: .inf {MARK}\n",
            },
            path="market.max_price_multiple",
        ),
        # a child's list or scalar replaces the parent's: its problems are the child's
        Case(
            "extends-events-replaced",
            {
                "bad.yaml": "extends: baseline\nevents_merge: replace\n"
                f"events:\n  - {{date: 2099-01-01, actor: china, action: ban}} {MARK}\n"
            },
            path="events.0.at",
        ),
        Case(
            "extends-strategy-scalar",
            {
                "bad.yaml": "extends: parent.yaml\nname: child\n"
                f"china:\n  strategy: no_such {MARK}\n",
                "parent.yaml": HEAD + "china:\n  strategy:\n"
                "    name: periodic_coercion\n"
                "    params: {period_rounds: 4}\n",
            },
            path="china.strategy.name",
        ),
        Case(
            "events-merge-bogus",
            {"bad.yaml": f"extends: baseline\nevents_merge: merge {MARK}\nevents: []\n"},
            path="events_merge",
        ),
        Case(
            "events-merge-without-extends",
            {"bad.yaml": HEAD + f"events_merge: append {MARK}\n"},
            path="events_merge",
        ),
        Case(
            "main-directory",
            {},
            main="folder.yaml",
            file="folder.yaml",
            line=0,
            setup=lambda d: (d / "folder.yaml").mkdir(),
        ),
        Case(
            "main-fifo",
            {},
            main="pipe.yaml",
            file="pipe.yaml",
            line=0,
            setup=lambda d: os.mkfifo(d / "pipe.yaml"),
        ),
        Case("main-missing", {}, main="missing.yaml", file="missing.yaml", line=0),
    ]
    return cases


def set_cases() -> list[Case]:
    """Overrides: blamed on ``--set`` N (or the option), never on the bundled file."""

    def case(
        label: str, args: tuple[str, ...], path: str, file: str = "--set", line: int = 1
    ) -> Case:
        commands = ("validate", "run") if file == "--set" else ("run",)
        return Case(
            f"set-{label}",
            main="baseline",
            args=args,
            file=file,
            line=line,
            path=path,
            commands=commands,
        )

    return [
        case(
            "demand-sum",
            ("--set", "importers.us.demand_share_outside_china.light=0.9"),
            "importers.us.demand_share_outside_china.light",
        ),
        case("sectors-sum", ("--set", "firms.sectors.ev=0.9"), "firms.sectors.ev"),
        case(
            "second",
            ("--set", "years=2", "--set", "materials.light.price_elasticity=.nan"),
            "materials.light.price_elasticity",
            line=2,
        ),
        case(
            "new-importer",
            ("--set", "importers.korea.demand_share_outside_china.light=0.5"),
            "importers.korea.demand_share_outside_china.light",
        ),
        case(
            "event-param", ("--set", "events.0.params.usd_per_kg=-1"), "events.0.params.usd_per_kg"
        ),
        case(
            "strategy-param", ("--set", "china.strategy.params.cut=5"), "china.strategy.params.cut"
        ),
        case("years-bool", ("--set", "years=true"), "years"),
        case("seed-negative", ("--set", "seed=-1"), "seed"),
        case("name-escape", ("--set", "name=../x"), "name"),
        case("no-equals", ("--set", "years"), "years"),
        case("empty-key", ("--set", "a..b=1"), "a..b"),
        case("no-item", ("--set", "producers.9.name=x"), "producers.9.name"),
        case("inside-scalar", ("--set", "years.x=1"), "years.x"),
        case("bad-yaml-value", ("--set", "description=[unclosed"), "description"),
        case(
            "unknown-key",
            ("--set", "materials.light.price_elastcity=0.3"),
            "materials.light.price_elastcity",
        ),
        case(
            "importer-reserved",
            ("--set", "importers.china.demand_share_outside_china.light=0.01"),
            "importers.china",
        ),
        case("years-option", ("--years", "0.01"), "years", file="--years"),
        case("firms-option", ("--firms", "0"), "firms.count", file="--firms"),
    ]


def series_cases() -> list[Case]:
    """Series with unknown names, bad months, out-of-range values."""
    head = HEAD + "series:\n"
    return [
        Case(
            "series-unknown-material",
            {"bad.yaml": head + f"  demand_t_per_year:\n    lite: {{'2025-01': 1}} {MARK}\n"},
            path="series.demand_t_per_year.lite",
        ),
        Case(
            "series-china-price-unknown-material",
            {"bad.yaml": head + f"  china_price_usd_per_kg:\n    lite: {{'2025-01': 50}} {MARK}\n"},
            path="series.china_price_usd_per_kg.lite",
        ),
        Case(
            "series-china-price-zero",
            {
                "bad.yaml": head
                + "  china_price_usd_per_kg:\n    light:\n"
                + f"      '2025-06': 0 {MARK}\n"
            },
            path="series.china_price_usd_per_kg.light.2025-06",
        ),
        Case(
            "series-bad-month",
            {"bad.yaml": head + f"  demand_t_per_year:\n    light: {{'2025-13': 1}} {MARK}\n"},
            path="series.demand_t_per_year.light",
        ),
        Case(
            "series-unquoted-year",
            {"bad.yaml": head + f"  demand_t_per_year:\n    light:\n      2025: 1 {MARK}\n"},
            path="series.demand_t_per_year.light",
        ),
        Case(
            "series-negative-quota",
            {
                "bad.yaml": head
                + "  china_production_quota_t_per_year:\n    light:\n"
                + f"      '2025-06': -5 {MARK}\n"
            },
            path="series.china_production_quota_t_per_year.light.2025-06",
        ),
        Case(
            "series-unknown-stage",
            {
                "bad.yaml": head
                + "  producer_capacity_t_per_year:\n    lynas:\n      light:\n"
                + f"        refining: {{'2025-06': 5}} {MARK}\n"
            },
            path="series.producer_capacity_t_per_year.lynas.light.refining",
        ),
        Case(
            "series-magnets-unknown-importer",
            {
                "bad.yaml": head
                + "  magnet_capacity_t_per_year:\n"
                + f"    korea: {{light: {{'2025-06': 5}}}} {MARK}\n"
            },
            path="series.magnet_capacity_t_per_year.korea",
        ),
        Case(
            "series-magnets-negative",
            {
                "bad.yaml": head
                + "  magnet_capacity_t_per_year:\n    us:\n      light:\n"
                + f"        '2025-06': -5 {MARK}\n"
            },
            path="series.magnet_capacity_t_per_year.us.light.2025-06",
        ),
    ]


def corpus() -> list[Case]:
    """Every case, each id unique."""
    cases = [
        *event_param_cases(),
        *event_scope_cases(),
        *strategy_cases(),
        *number_cases(),
        *share_cases(),
        *name_cases(),
        *yaml_cases(),
        *extends_cases(),
        *set_cases(),
        *series_cases(),
    ]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    return cases
