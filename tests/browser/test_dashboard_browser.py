"""``overplay dashboard`` in chromium with no network beyond 127.0.0.1: the page
renders, five steps advance the date and change the plots, a lever moved and Reset
changes the outcome, the action log shows a restriction in words, and nothing goes
to the internet or to the console as an error."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import free_port, offline_browser, serving

pytestmark = pytest.mark.browser
#: restraint licenses heavy exports to the US in April 2025 after a 2-month review, in
#: which nothing ships whatever the severity: from the seventh month severity shows.
MONTHS = 7
#: A first step compiles the model's loops when no cache exists (about a minute).
FIRST_STEP_MS = 240_000
STEP_MS = 60_000
#: What ipywidgets' page logs when a message arrives for a widget the server has
#: already closed (the page replaces its figures each step, and Reset the model; on a
#: loaded machine a redraw can still be in flight): a race in the widget protocol
#: (jupyter-widgets/ipywidgets#3577), seen once, in a CI run beside a two-worker fit.
#: The page is unaffected, which the steps after it check; any other console error
#: still fails the test.
WIDGET_RACE = "widget model not found"


@pytest.fixture(scope="module")
def dashboard():
    port = free_port()
    with serving(["dashboard", "--port", str(port)], port) as url:
        yield url


def step(page, steps_after: int) -> None:
    """Click Step and wait for the month counter: clicks faster than the page redraws
    are dropped."""
    page.get_by_role("button", name="Step").click()
    timeout = FIRST_STEP_MS if steps_after == 1 else STEP_MS
    page.locator(".overplay-date", has_text=f"({steps_after} of").wait_for(timeout=timeout)


def figures(page) -> list[str]:
    return page.eval_on_selector_all("img", "images => images.map(i => i.src)")


def test_the_dashboard_steps_resets_and_stays_offline(dashboard):
    with offline_browser() as (context, outside):
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(dashboard)
        page.get_by_text("Not started").wait_for(timeout=120_000)
        assert page.get_by_text("Restriction severity").is_visible()

        dates, plots = [], []
        for n in range(1, MONTHS + 1):
            step(page, n)
            dates.append(re.search(r"\d{4}-\d\d", page.locator(".overplay-date").inner_text())[0])
            plots.append(figures(page))
        assert dates[:5] == sorted(dates[:5]) and dates[0] < dates[4]  # five steps move on
        assert plots[0] and plots[4] != plots[0]  # and so do the plots
        overview = page.locator(".overplay-now").inner_text()

        assert page.title() == "Overplay dashboard"
        page.get_by_role("tab", name="Page 3").click()  # the action log in words
        log = page.get_by_text(re.compile("China requires licences for heavy rare earths"))
        log.first.wait_for(timeout=STEP_MS)
        page.get_by_role("tab", name="Page 0").click()

        # Severity to zero (licences refuse nothing), then Reset: a different outcome.
        severity = page.locator(".v-input", has_text="Restriction severity").get_by_role("slider")
        severity.focus()
        severity.press("Home")
        page.get_by_role("button", name="Reset").click()
        page.get_by_text(re.compile(r"\b0% refused")).wait_for(timeout=STEP_MS)
        for n in range(1, MONTHS + 1):
            step(page, n)
        assert page.locator(".overplay-now").inner_text() != overview

    assert outside == []
    assert [e for e in errors if e != WIDGET_RACE] == []
