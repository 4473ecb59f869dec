"""The bulletin board in headless Chromium (Playwright for Python, Debian's ``chromium``), screenshots kept.

A real ``zkmed serve --write`` process with the real elections package (a
P-256 election): real ballots are cast over HTTP, the tally, the trustees'
decryptions and the result are posted, then the pages are driven like a voter
would (lookup of a real confirmation code, the result chart).
Screenshots land in ``test-artifacts/serve/`` (``ZKMED_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ARTIFACTS, MEDICAL_TYPE, NOTES, ServerProcess, fill_board, wait_sealed
from real_election import make_real_election

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("ZKMED_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM} (make installs chromium)")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAYOR = ["alice", "bob", "bob", "carol", "bob", "alice"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    election = make_real_election(tmp_path_factory.mktemp("browser"), voters=len(MAYOR), before=fill_board)
    ballots = [election.ballot(i, m, "yes" if i % 2 else "no") for i, m in enumerate(MAYOR)]
    srv = ServerProcess(election.board, "--write").start()
    codes = []
    try:
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            for payload in ballots:
                r = http.post("/api/v1/ballots", content=payload)
                assert r.status_code == 201, r.text
                codes.append(r.json()["confirmation_code"])
            head = http.get("/api/v1/head").json()
            wait_sealed(http, head["size"] + head["pending"])
    finally:
        srv.stop()
    election.finish()  # tally, decryptions, result: posted with the workflow functions (the server is stopped)
    srv = ServerProcess(election.board, "--write").start()
    try:
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            head = http.get("/api/v1/head").json()
            wait_sealed(http, head["size"] + head["pending"])
        yield srv.url, codes
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    try:
        yield pg
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()


def test_lookup_of_a_real_confirmation_code(page: Any, site: tuple[str, list[str]]) -> None:
    url, codes = site
    page.goto(url + "/ballot")
    page.fill("#code", codes[2])
    page.click("button[type=submit]")
    page.wait_for_selector("#found")
    assert page.inner_text("#status") == "recorded"
    href = page.get_attribute("#receipt", "href")
    assert href is not None and href.startswith("/api/v1/receipts/")
    receipt = httpx.get(url + href).text
    assert receipt.startswith("c2sp.org/tlog-proof@v1\n")


def test_wrong_code_gets_a_friendly_not_found(page: Any, site: tuple[str, list[str]]) -> None:
    url, _ = site
    page.goto(url + "/ballot")
    page.fill("#code", "zk-not-a-real-code")
    page.click("button[type=submit]")
    page.wait_for_selector("#not-found")
    assert "Check the code for typos" in page.inner_text("#not-found")
    assert page.input_value("#code") == "zk-not-a-real-code"


def test_pagination(page: Any, site: tuple[str, list[str]]) -> None:
    url, codes = site
    total = httpx.get(url + "/api/v1/head").json()["size"]
    page.goto(url + "/entries")
    first = page.locator("#entries a").all_inner_texts()
    assert first[0] == str(total - 1) and len(first) == 50
    page.click("#next")
    page.wait_for_url("**/entries?page=2")
    second = page.locator("#entries a").all_inner_texts()
    assert int(second[0]) == int(first[-1]) - 1 and second[-1] == "0"
    page.click("#prev")
    page.wait_for_url("**/entries?page=1")


def test_result_chart_is_present(page: Any, site: tuple[str, list[str]]) -> None:
    url, _ = site
    page.goto(url + "/result")
    chart = page.locator("svg.result-chart")
    assert chart.count() == 2  # mayor, measure (the label escaping: test_serve_pages.test_bar_chart_escapes_labels)
    votes = [
        int(v) for v in page.locator("svg.result-chart rect.bar").evaluate_all("els => els.map(e => e.dataset.votes)")
    ]
    assert votes == [2, 3, 1, 3, 3]
    assert "mayor" in page.inner_text("main")


def test_script_payload_is_rendered_as_text(page: Any, site: tuple[str, list[str]]) -> None:
    url, _ = site
    page.goto(url + f"/entries/{NOTES}")
    assert "<script>window.__xss = 1</script>" in page.inner_text("#payload")
    assert page.evaluate("() => window.__xss") is None and page.dialogs == []
    assert page.locator("#payload script, #payload img").count() == 0


def test_medical_entry_page_shows_no_payload(page: Any, site: tuple[str, list[str]]) -> None:
    url, _ = site
    page.goto(url + f"/entries/{NOTES + 1}")
    text = page.inner_text("main")
    assert MEDICAL_TYPE in text and "not public" in text and "SECRET-PATIENT" not in text


def test_head_and_verify_pages(page: Any, site: tuple[str, list[str]]) -> None:
    url, _ = site
    page.goto(url + "/")
    assert page.locator("#cosigners li").count() == 3
    page.click("text=Verify offline")
    page.wait_for_url("**/verify")
    assert "zkmed ledger verify-proof" in page.inner_text("main")
