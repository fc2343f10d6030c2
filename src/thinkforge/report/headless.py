"""Open a report in headless Chromium through selenium (the ``dev`` extra), for tests and benchmarks.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium chromium-driver``) and
``pip install selenium``; :func:`find_chromium` says which piece is missing.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from thinkforge.errors import MissingDependencyError

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")
_INSTALL = "apt-get install chromium chromium-driver && pip install 'thinkforge[dev]'"


@dataclass(frozen=True)
class Chromium:
    """Paths of a Chromium binary and its matching chromedriver."""

    browser: str
    driver: str


def find_chromium() -> Chromium:
    """The Chromium and chromedriver on PATH (``$CHROMIUM``/``$CHROMEDRIVER`` win); raises when one is absent."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise MissingDependencyError(f"selenium is not installed ({_INSTALL})") from None
    browser = _which(os.environ.get("CHROMIUM"), _BROWSERS)
    driver = _which(os.environ.get("CHROMEDRIVER"), ("chromedriver",))
    if not browser:
        raise MissingDependencyError(f"no Chromium binary (on PATH or $CHROMIUM) ({_INSTALL})")
    if not driver:
        raise MissingDependencyError(f"no chromedriver (on PATH or $CHROMEDRIVER) ({_INSTALL})")
    return Chromium(browser=browser, driver=driver)


def _which(override: str | None, names: tuple[str, ...]) -> str | None:
    """The executable ``override`` names (a path or a name on PATH), else the first of ``names`` on PATH."""
    if override:
        return shutil.which(override)
    return next((path for name in names if (path := shutil.which(name))), None)


@contextmanager
def headless_chromium(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A selenium WebDriver for headless Chromium with the browser console log enabled; quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = found.browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=found.driver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    """Messages the page logged at SEVERE level (errors, exceptions, CSP violations) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
