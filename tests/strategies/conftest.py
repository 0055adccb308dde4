"""The real observations the strategies' base contract is checked against, made once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.strategies.base import observe_a_ban


@pytest.fixture(scope="session")
def observations() -> dict[str, Any]:
    """One real observation per role, from a model in which Japan is under a ban."""
    return observe_a_ban()
