"""The portal in a real browser (headless Chromium + Selenium) against a real `lca serve`: the whole loop.

The team creates a request; the supplier opens the link, uploads a Chinese workbook with errors and sees
them in Chinese, uploads the fixed one and submits; the team reviews and accepts; the dashboard shows the
product's total, equal to `lca profile`. A screenshot of every page goes to $LCA_SCREENSHOTS (default
tests/artifacts/portal/). Skipped, saying why, where Chromium or chromedriver is not installed.
"""
from __future__ import annotations

import importlib.util
import math

import pytest

import browser_util as bu
from lca import issue_codes
from lca.issue_details import english_run
from portal_util import XSS, lca_json, workbook_data, write
from server_util import Server

WRITES_PROJECT = True
pytestmark = pytest.mark.slow  # multi-process: a real server and Chromium (test_portal.py drives the pages in process)
COMPANY, PRODUCT = "BR-CO", "HOUSING-1"


@pytest.fixture(scope="module")
def env(project_dir):
    bu.skip_without_chromium()
    team = lca_json(project_dir, "users", "add", "tina", "--json")
    srv = Server(project_dir)
    yield {"dir": project_dir, "srv": srv, "team": team}
    log = srv.log()
    srv.stop()
    assert "Traceback" not in log, log[-3000:]


def _wait(drv, css, timeout=180):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _no_alert(drv):
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        drv.switch_to.alert.text


@pytest.mark.slow  # two Chromium instances and a screenshot of every page; test_portal.py drives the same pages over HTTP quick
def test_the_whole_loop_in_a_browser(env, tmp_path):
    from selenium.webdriver.common.by import By

    srv, d = env["srv"], env["dir"]
    bad = workbook_data(COMPANY, name=XSS, product=PRODUCT, gas="XYZ")
    bad["Materials"][0]["amount"] = "0,5"
    bad_path = write(tmp_path / "bad-zh.xlsx", bad, "zh")
    good_path = write(tmp_path / "good-zh.xlsx", workbook_data(COMPANY, name=XSS, product=PRODUCT), "zh")

    team = bu.browser("en")
    sup = bu.browser("zh-CN")
    try:
        # -- the team logs in and creates the request
        team.get(srv.url + "/portal/login")
        bu.shot(team, "01-login")
        team.find_element(By.ID, "user").send_keys("tina")
        team.find_element(By.ID, "password").send_keys(env["team"]["password"])
        team.find_element(By.ID, "login").click()
        _wait(team, "#counts")
        team.get(srv.url + "/portal/team/requests")
        team.find_element(By.ID, "company_id").send_keys(COMPANY)
        team.find_element(By.ID, "products").send_keys(PRODUCT)
        for field, value in (("start", "01/01/2024"), ("end", "12/31/2024"), ("due", "01/31/2030")):
            team.find_element(By.ID, field).send_keys(value)
        bu.shot(team, "02-team-new-request")
        team.find_element(By.ID, "create").click()
        link = _wait(team, "#invite-link").get_attribute("value")
        bu.shot(team, "03-team-request-created")
        assert link.startswith(srv.url + "/portal/s/")
        rid = team.find_element(By.CSS_SELECTOR, "h1").text.split()[1]

        # -- the supplier opens the link (Chinese browser) and uploads a Chinese workbook with errors
        sup.get(link)
        _wait(sup, "#file")
        assert "您的数据请求" in sup.page_source
        bu.shot(sup, "04-supplier-request-zh")
        sup.find_element(By.ID, "file").send_keys(str(bad_path))
        sup.find_element(By.ID, "check").click()
        _wait(sup, "#result-bad")
        bu.shot(sup, "05-supplier-errors-zh")
        rows = sup.find_elements(By.CSS_SELECTOR, "table#errors tbody tr")
        texts = [r.text for r in rows]
        assert len(rows) == 2, texts
        assert any(issue_codes.title("ambiguous_decimal", "zh") in t for t in texts), texts
        assert any(t.startswith("物料 2 数量（amount）") for t in texts), texts  # sheet, row, column (Chinese name)
        details = [e.text for e in sup.find_elements(By.CSS_SELECTOR, "table#errors .detail")]
        assert len(details) == 2 and all(english_run(t) is None for t in details), details  # wholly Chinese
        assert sup.find_element(By.ID, "annotated").get_attribute("href").endswith(".annotated.xlsx")
        assert not sup.find_elements(By.ID, "submit")

        # -- the fixed workbook, then submit
        sup.find_element(By.ID, "file").send_keys(str(good_path))
        sup.find_element(By.ID, "check").click()
        _wait(sup, "#result-ok")
        bu.shot(sup, "06-supplier-fixed-zh")
        sup.find_element(By.ID, "submit").click()
        _wait(sup, "#submitted")
        bu.shot(sup, "07-supplier-submitted-zh")

        # -- the team reviews and accepts
        team.get(srv.url + f"/portal/team/requests/{rid}")
        _wait(team, "#submission")
        assert team.find_element(By.ID, "state").text == "in review"
        if importlib.util.find_spec("lca.supply.history"):  # issue 24: what the submission changes
            effect = {tr.find_elements(By.TAG_NAME, "td")[0].text:
                      float(tr.find_elements(By.TAG_NAME, "td")[1].get_attribute("data-value"))
                      for tr in team.find_elements(By.CSS_SELECTOR, "#effect tbody tr")}
            assert f"{COMPANY}/{PRODUCT}" in effect, team.find_element(By.ID, "changes").text
        events = team.find_element(By.CSS_SELECTOR, "ul.history").text.splitlines()
        assert any(e.endswith(f"opened · {COMPANY}") and " UTC · " in e for e in events), events  # who and when
        bu.shot(team, "08-team-review")
        team.find_element(By.ID, "accept").click()
        _wait(team, "#decision")
        assert team.find_element(By.ID, "state").text == "accepted"
        bu.shot(team, "09-team-accepted")

        # -- the dashboard: the product's total equals `lca profile`
        team.get(srv.url + f"/portal/team/?product={COMPANY}/{PRODUCT}")
        total_el = _wait(team, "#profile-total")
        _wait(team, "#chart .main-svg")  # plotly drew the chart (its script ran under the CSP)
        shown = float(total_el.get_attribute("data-value"))
        expected = lca_json(d, "profile", f"{COMPANY}/{PRODUCT}", "--json")["total"]
        assert math.isclose(shown, expected, rel_tol=1e-9), (shown, expected)
        if importlib.util.find_spec("lca.supply.history"):  # a first submission's effect is its whole total
            assert math.isclose(effect[f"{COMPANY}/{PRODUCT}"], expected, rel_tol=1e-6)
        assert team.find_element(By.ID, "supplier_share").text == "100.0 %"  # its only supplier: accepted
        cells = [td.text for td in team.find_elements(By.CSS_SELECTOR, "#products td")]
        assert XSS in cells  # the supplier's company name, as text
        _no_alert(team)
        team.find_element(By.ID, "dim-gas").click()
        heads = team.find_element(By.CSS_SELECTOR, "#breakdown-table th").text
        assert heads == "gas"
        gases = [tr.find_elements(By.TAG_NAME, "td")[0].text
                 for tr in team.find_elements(By.CSS_SELECTOR, "#breakdown-table tbody tr")]
        assert any("N2O" in g for g in gases), gases
        bu.shot(team, "10-team-dashboard")
        assert not [e for e in bu.console_errors(team) if "favicon" not in e], bu.console_errors(team)

        # -- the supplier sees the decision
        sup.get(srv.url + f"/portal/supplier/r/{rid}")
        _wait(sup, "#decision")
        assert "已接受" in sup.find_element(By.ID, "decision").text
        bu.shot(sup, "11-supplier-accepted-zh")
        _no_alert(sup)
        assert not bu.console_errors(sup), bu.console_errors(sup)
    finally:
        bu.close(team)
        bu.close(sup)


def test_dashboard_computes_a_new_product_while_the_page_waits(env, tmp_path, monkeypatch):
    """A product imported from the command line (nobody ran `lca profile`), opened on a server that answers at once
    (LCA_PORTAL_PROFILE_WAIT=0): the page says "computing", polls /portal/team/shares and shows the profile by
    itself, equal to `lca profile`."""
    from selenium.webdriver.common.by import By

    d = env["dir"]
    lca_json(d, "import", str(write(tmp_path / "new.xlsx", workbook_data("BR-NEW", "New Co", "N1"))), "--json")
    monkeypatch.setenv("LCA_PORTAL_PROFILE_WAIT", "0")
    second = Server(d)
    team = bu.browser("zh-CN")                                      # the team in Chinese this time
    try:
        team.get(second.url + "/portal/login")
        team.find_element(By.ID, "user").send_keys("tina")
        team.find_element(By.ID, "password").send_keys(env["team"]["password"])
        team.find_element(By.ID, "login").click()
        _wait(team, "#counts")
        team.get(second.url + "/portal/team/?product=BR-NEW/N1")
        assert team.find_elements(By.ID, "profile-pending"), team.page_source[-2000:]
        assert "正在计算碳足迹" in team.find_element(By.ID, "profile-pending").text
        bu.shot(team, "12-team-dashboard-computing")
        total = float(_wait(team, "#profile-total").get_attribute("data-value"))    # reloaded by portal.js
        assert math.isclose(total, lca_json(d, "profile", "BR-NEW/N1", "--json")["total"], rel_tol=1e-9)
        cell = team.find_element(By.CSS_SELECTOR, 'td[data-ref="BR-NEW/N1"][data-key="supplier_share"]')
        assert cell.text == "0 %"                                   # no accepted request of BR-NEW
        _wait(team, "#chart .main-svg")
        # tiers 0, 1, 2... are categories, not a numeric axis (bars at -0.5..1.5)
        assert team.execute_script("return document.getElementById('chart').layout.yaxis.type") == "category"
        bu.shot(team, "13-team-dashboard-computed")
        assert not [e for e in bu.console_errors(team) if "favicon" not in e], bu.console_errors(team)
    finally:
        bu.close(team)
        log = second.log()
        second.stop()
        assert "Traceback" not in log, log[-3000:]
