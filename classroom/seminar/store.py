"""The seminar's database: one SQLite file in WAL mode, the whole state of every
session (settings, teams, one model snapshot per round, every submission and event).

A connection per operation, writes under ``BEGIN IMMEDIATE`` (one writer at a time,
readers never blocked), deadlines as absolute times: a server killed at any moment
restarts from the file with nothing submitted lost and every countdown intact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    scenario TEXT NOT NULL,
    seed INTEGER NOT NULL,
    rounds INTEGER NOT NULL,
    round_seconds REAL NOT NULL,
    secret_hash TEXT NOT NULL,
    status TEXT NOT NULL,            -- lobby, open, paused, ended
    current_round INTEGER NOT NULL,  -- the round being played (1-based; 0 in the lobby)
    deadline REAL,                   -- absolute time the open round closes
    remaining REAL                   -- seconds left when paused
);
CREATE TABLE IF NOT EXISTS teams (
    code TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    country TEXT NOT NULL,
    joined REAL,
    UNIQUE (session_id, country)
);
CREATE TABLE IF NOT EXISTS submissions (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    round INTEGER NOT NULL,
    country TEXT NOT NULL,
    decision TEXT NOT NULL,          -- JSON list of actions
    source TEXT NOT NULL,            -- team or facilitator
    submitted REAL NOT NULL,
    PRIMARY KEY (session_id, round, country)
);
CREATE TABLE IF NOT EXISTS snapshots (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    round INTEGER NOT NULL,          -- the model before this round is played
    model BLOB NOT NULL,
    PRIMARY KEY (session_id, round)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    round INTEGER NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id, id);
CREATE TABLE IF NOT EXISTS news (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    round INTEGER NOT NULL,          -- happens at the start of this round's play
    card TEXT NOT NULL,              -- JSON of the card as injected
    audience TEXT NOT NULL,          -- JSON list of the countries whose teams see it
    at REAL NOT NULL
);
"""


class Store:
    """The database file; created with its schema on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect()
        try:
            yield connection
        finally:
            connection.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that no other writer interleaves with: committed when the
        block ends, rolled back if it raises."""
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        finally:
            connection.close()
