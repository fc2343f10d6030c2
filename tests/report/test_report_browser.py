"""The report in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by selenium.

Skipped with the reason when Chromium, chromedriver or selenium is absent; `.ci/run` installs them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _report_runs import write_task
from thinkforge.errors import MissingDependencyError
from thinkforge.report import write_report
from thinkforge.report.headless import console_errors, find_chromium, headless_chromium

try:
    find_chromium()
except MissingDependencyError as exc:
    pytest.skip(f"browser tests need headless Chromium: {exc}", allow_module_level=True)

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as driver:
        yield driver


def _open(driver, path: Path) -> None:
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.__tfReady !== undefined"))


def _rows(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#rows .row.sample")


def _count(driver) -> str:
    return driver.find_element(By.ID, "f-count").text


def _problem_ids(driver) -> list[str]:
    """The problem column of the rows now in the DOM, read in one step (rows are redrawn while scrolling)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#rows .row.sample')].map(r => r.children[2].textContent)")


def _click_row(driver, problem_id: str, index: int) -> None:
    find = ("return [...document.querySelectorAll('#rows .row.sample')].find(r => "
            "r.children[2].textContent === arguments[0] && r.children[3].textContent === arguments[1])")
    for _ in range(5):  # scrolling a row into view redraws the list: a row found before it may be replaced
        row = driver.execute_script(find, problem_id, str(index))
        assert row is not None, f"no row for {problem_id} #{index}"
        try:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
            row.click()
            return
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"the row for {problem_id} #{index} kept being redrawn")


def test_page_loads_without_console_errors(browser, report_a):
    _open(browser, report_a)
    assert console_errors(browser) == []
    assert browser.title.startswith("thinkforge report")


def test_every_chart_is_present_and_not_empty(browser, report_a):
    _open(browser, report_a)
    for key in ("accuracy", "passk", "lengths", "status"):
        svg = browser.find_element(By.CSS_SELECTOR, f'figure[data-chart="{key}"] svg')
        assert svg.size["width"] > 200 and svg.size["height"] > 100, key
        marks = browser.execute_script(
            "return arguments[0].querySelectorAll('path, rect, use, line').length", svg)
        assert marks > 10, f"chart {key} draws nothing"


def test_status_and_correct_filters_reduce_the_rows_to_the_right_count(browser, report_a):
    _open(browser, report_a)
    assert len(_rows(browser)) == 8 and _count(browser) == "8 of 8 samples"
    Select(browser.find_element(By.ID, "f-status")).select_by_value("wrong")
    assert len(_rows(browser)) == 2 and _count(browser) == "2 of 8 samples"
    assert {r.find_elements(By.TAG_NAME, "span")[4].text for r in _rows(browser)} == {"wrong"}
    Select(browser.find_element(By.ID, "f-status")).select_by_value("")
    Select(browser.find_element(By.ID, "f-ok")).select_by_value("1")
    assert len(_rows(browser)) == 3  # gsm8k 2 passes, humaneval 1
    Select(browser.find_element(By.ID, "f-task")).select_by_value("humaneval")
    assert len(_rows(browser)) == 1 and _count(browser) == "1 of 8 samples"


def test_text_search_finds_the_failing_code_sample_and_shows_its_test(browser, report_a):
    _open(browser, report_a)
    browser.find_element(By.ID, "f-text").send_keys("zerodivision")
    WebDriverWait(browser, 5).until(lambda d: _count(d) == "1 of 8 samples")
    _rows(browser)[0].click()
    failing = browser.find_element(By.CSS_SELECTOR, "#detail pre.failing").text
    assert "test #0: runtime_error" in failing and "ZeroDivisionError: division by zero" in failing


def test_a_sample_expands_to_its_response_with_thinking_collapsed(browser, report_a):
    _open(browser, report_a)
    assert not browser.find_element(By.ID, "detail").is_displayed()
    _click_row(browser, "gsm8k/0", 0)
    detail = browser.find_element(By.ID, "detail")
    assert detail.is_displayed()
    assert detail.find_element(By.CSS_SELECTOR, "pre.response").text == "The answer is \\boxed{72}."
    assert detail.find_element(By.CSS_SELECTOR, "pre.gold").text == "18"
    thinking = detail.find_element(By.CSS_SELECTOR, "details.thinking")
    assert thinking.get_attribute("open") is None and not thinking.find_element(By.TAG_NAME, "pre").is_displayed()
    thinking.find_element(By.TAG_NAME, "summary").click()
    assert thinking.find_element(By.TAG_NAME, "pre").text == "Add them: 72."


def test_hostile_responses_render_as_text_and_run_nothing(browser, report_a):
    _open(browser, report_a)
    shown = []
    for problem_id, index in (("gsm8k/0", 1), ("gsm8k/1", 0), ("gsm8k/2", 0), ("gsm8k/2", 1)):
        _click_row(browser, problem_id, index)
        details = browser.find_elements(By.CSS_SELECTOR, "#detail details.thinking")
        if details:
            details[0].find_element(By.TAG_NAME, "summary").click()
        shown.append(browser.find_element(By.CSS_SELECTOR, "#detail .col").text)
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert '<img src=x onerror="window.__pwned=1">' in shown[0]
    assert "<script>window.__pwned=1</script>" in shown[1]
    assert "</script><script>window.__pwned=1</script>" in shown[2]
    assert '<a href="javascript:window.__pwned=1">click</a>' in shown[3]
    # Nothing from the data became an element: no images, links or scripts inside the browser.
    injected = browser.execute_script(
        "return document.querySelectorAll('#samples img, #samples a, #samples script').length")
    assert injected == 0
    assert console_errors(browser) == []


def test_two_runs_show_the_same_problem_side_by_side(browser, report_ab):
    _open(browser, report_ab)
    assert console_errors(browser) == []
    _click_row(browser, "gsm8k/2", 1)
    columns = browser.find_elements(By.CSS_SELECTOR, "#detail .cols .col")
    assert len(columns) == 2
    assert columns[0].text.startswith("run-a · sample #1") and columns[1].text.startswith("run-b · sample #1")
    Select(browser.find_element(By.ID, "compare-with")).select_by_value("")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#detail .cols .col")) == 1


def test_a_long_run_keeps_only_the_visible_rows_in_the_page(browser, tmp_path):
    plan = [[("pass", f"\\boxed{{{i}}}", str(i), 100 + i)] * 5 for i in range(300)]
    write_task(tmp_path / "run", "gsm8k", plan)
    report = write_report([tmp_path / "run"], tmp_path / "long.html")
    _open(browser, report)
    assert _count(browser) == "1500 of 1500 samples"
    assert 0 < len(_rows(browser)) < 80
    browser.execute_script("const r = document.getElementById('rows'); r.scrollTop = r.scrollHeight;")
    WebDriverWait(browser, 5).until(lambda d: "gsm8k/299" in _problem_ids(d))
    assert len(_rows(browser)) < 80


def test_screenshot_is_saved(browser, report_ab, tmp_path):
    _open(browser, report_ab)
    _click_row(browser, "gsm8k/0", 0)
    path = tmp_path / "report.png"
    assert browser.save_screenshot(str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
