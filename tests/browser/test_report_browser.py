"""The run report opened in headless Chromium (Debian's, driven by Playwright): every
figure decodes at full width, nothing overflows the window, no console error, and it
prints to a real PDF."""

from __future__ import annotations

import pytest

from overplay.experiments.report import write_report
from tests.browser.conftest import CHROMIUM, need_chromium

pytestmark = pytest.mark.browser


def test_report_renders_in_chromium_and_prints(run_result, tmp_path):
    need_chromium()
    from playwright import sync_api

    path = write_report(run_result)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        pdf = page.pdf(format="A4")
        browser.close()
    assert widths == [1280] * 8  # every figure (magnets too) at full slide width
    assert not overflow  # nothing wider than a 1280 px window
    assert errors == []
    assert pdf.startswith(b"%PDF") and len(pdf) > 100_000
