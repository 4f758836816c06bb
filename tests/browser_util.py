"""Headless Chromium driven by Selenium for the portal's browser tests (skips when no Chromium is installed)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000", "--disable-dev-shm-usage"]
ROOT = Path(__file__).resolve().parent


def chromium_paths() -> tuple[str | None, str | None]:
    browser = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                                shutil.which("google-chrome")) if p), None)
    driver = shutil.which("chromedriver")
    return browser, driver


def skip_without_chromium():
    browser, driver = chromium_paths()
    if not (browser and driver):
        pytest.skip("no Chromium: install Debian's chromium and chromium-driver "
                    "(apt-get install -y chromium chromium-driver; .ci/run does) to run the browser tests")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install '.[test]')")


def screenshots_dir() -> Path:
    d = Path(os.environ.get("LCA_SCREENSHOTS") or ROOT / "artifacts" / "portal")
    d.mkdir(parents=True, exist_ok=True)
    return d


def browser(lang: str = "en"):
    """A fresh headless Chromium (own profile directory, the dev certificate accepted, ``lang`` preferred)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    skip_without_chromium()
    path, driver = chromium_paths()
    opts = webdriver.ChromeOptions()
    opts.binary_location = path
    profile = tempfile.mkdtemp(prefix="lca-chromium-")
    for f in FLAGS + [f"--user-data-dir={profile}", f"--lang={lang}"]:
        opts.add_argument(f)
    opts.add_experimental_option("prefs", {"intl.accept_languages": lang,
                                           "download.default_directory": profile + "/downloads"})
    opts.accept_insecure_certs = True  # the development certificate of `lca serve --dev-cert`
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_page_load_timeout(120)
    drv._lca_profile = profile
    return drv


def close(drv) -> None:
    try:
        drv.quit()
    finally:
        shutil.rmtree(getattr(drv, "_lca_profile", ""), ignore_errors=True)


def shot(drv, name: str) -> Path:
    """Save a full-page screenshot of the current page as NAME.png."""
    h = drv.execute_script("return Math.max(document.body.scrollHeight, 600)")
    drv.set_window_size(1400, min(int(h) + 40, 4000))
    out = screenshots_dir() / f"{name}.png"
    drv.save_screenshot(str(out))
    return out


def console_errors(drv) -> list[str]:
    """SEVERE browser console entries (CSP violations, script errors) since the last call."""
    return [e["message"] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
