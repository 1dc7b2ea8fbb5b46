"""End to end in Chromium: home, the six-step wizard, the upload, results, the PDF.

Set ``L2C_SCREENSHOT=1`` to also write ``docs/screenshot-results.png``, the
README's screenshot of the results page.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from l2c_core.demo import demo_file_name, demo_opportunities

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = ROOT / "questionnaires" / "health_check.toml"
SCREENSHOT = ROOT / "docs" / "screenshot-results.png"
DONT_KNOW = "Don't know"


def chosen_labels() -> list[list[tuple[str, str]]]:
    """Per step, (question text, option label to click) in questionnaire order.

    Levels vary across the questions, and the last question answers Don't know.
    """
    with QUESTIONNAIRE.open("rb") as handle:
        data = tomllib.load(handle)
    steps = []
    for k, dimension in enumerate(data["dimensions"]):
        questions = [q for q in data["questions"] if q["dimension"] == dimension["id"]]
        step = []
        for i, question in enumerate(questions):
            level = (2 * k + i + 1) % 5
            labels = {o["level"]: o["label"] for o in question["options"]}
            step.append((question["text"], labels[level]))
        steps.append(step)
    steps[-1][-1] = (steps[-1][-1][0], DONT_KNOW)
    return steps


def shows(page: Page, locator: Locator, timeout: float = 20_000) -> None:
    """Wait for ``locator``; fail with the app's traceback if it shows one instead."""
    exception = page.get_by_test_id("stException")
    expect(locator.or_(exception).first).to_be_visible(timeout=timeout)
    if exception.count():
        pytest.fail(f"the app raised:\n{exception.first.inner_text()}")
    expect(locator).to_be_visible()


def save_screenshot(page: Page) -> None:
    """A full-page screenshot; Streamlit scrolls inside <main>, not the document."""
    page.mouse.move(0, 0)  # no hover toolbars in the picture
    main = page.locator('[data-testid="stMain"]')
    height = 0
    for _ in range(5):  # grow the viewport until the page stops growing
        new_height = main.evaluate("e => e.scrollHeight")
        if new_height <= height:
            break
        height = new_height
        page.set_viewport_size({"width": 1300, "height": height})
        page.wait_for_timeout(800)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_end_to_end_wizard_upload_results_pdf(page: Page, app_url: str, tmp_path):
    csv_path = tmp_path / demo_file_name()
    csv_path.write_bytes(demo_opportunities())

    page.goto(app_url)
    expect(
        page.get_by_role("heading", name="Revenue Engine Health Check")
    ).to_be_visible()
    expect(
        page.get_by_role("button", name="Try with demo answers", exact=True)
    ).to_be_visible()
    page.get_by_role("button", name="Start", exact=True).click()

    steps = chosen_labels()
    assert sum(len(step) for step in steps) == 18
    for number, step in enumerate(steps, start=1):
        shows(page, page.get_by_text(f"Step {number} of {len(steps)}"))
        for question, label in step:
            group = page.get_by_role("radiogroup", name=question, exact=True)
            # The radio input is visually hidden; its label is what one clicks.
            group.get_by_text(label, exact=True).click()
            radio = group.get_by_role("radio", name=label, exact=True)
            expect(radio).to_be_checked()
        last = number == len(steps)
        page.get_by_role(
            "button", name="Continue" if last else "Next", exact=True
        ).click()

    shows(page, page.get_by_role("heading", name="CRM export (optional)"))
    page.locator('input[type="file"]').set_input_files(csv_path)
    shows(page, page.get_by_text("Read 600 opportunities from"), timeout=30_000)
    page.get_by_role("button", name="Next", exact=True).click()

    # The company profile is optional; leave it as it is.
    shows(page, page.get_by_role("heading", name="Company profile (optional)"))
    page.get_by_role("button", name="See results", exact=True).click()

    shows(page, page.get_by_text("Overall score"), timeout=30_000)
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    expect(page.get_by_text("Data (measured)")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()

    if os.environ.get("L2C_SCREENSHOT"):
        save_screenshot(page)

    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("button", name="Download PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "revenue-engine-health-check.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(content) > 1000
