"""`sitegen serve` in Chromium: a broken article shows the error overlay (file, line, message) in the open
page; fixing the file clears it and the page reloads with the change."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTICLE = "content/tin-tuc/tap-huan.md"          # tests/sites/basic: published at URL below
URL = "/tin-tuc/2024/03/tap-huan/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(site_copy, tmp_path):
    """A copy of tests/sites/basic under `sitegen serve` in a subprocess: (site folder, base URL)."""
    site = site_copy("basic")
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(REPO)),
                            cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + URL, timeout=2) as r:
                assert r.status == 200
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError((tmp_path / "serve.log").read_text("utf-8", "replace"))
            time.sleep(0.1)
    try:
        yield site, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_a_yaml_error_shows_the_overlay_and_fixing_it_clears_it_and_reloads(served, page):
    site, base = served
    article = site / ARTICLE
    good = article.read_text("utf-8")
    with page.expect_response(lambda r: r.url.endswith("/_sitegen/events"), timeout=15000):
        page.goto(base + URL)
    assert page.locator("h1").inner_text() == "Tập huấn nghiệp vụ văn thư, lưu trữ"
    assert page.locator("#sitegen-error").count() == 0
    page.evaluate("window.__before_reload = true")

    article.write_text(good.replace("summary: Lớp tập huấn", "summary: Lớp: tập huấn", 1), "utf-8")
    overlay = page.locator("#sitegen-error")
    overlay.wait_for(state="visible", timeout=15000)
    text = overlay.inner_text()
    assert text.startswith("Build failed (sitegen serve)")
    assert (f"{ARTICLE}:4: front matter: invalid YAML: mapping values are not allowed in this context "
            "(check indentation, and quote values that contain ':' or '#')") in text
    assert overlay.get_attribute("role") == "alert"
    box = overlay.bounding_box()
    viewport = page.viewport_size
    assert box["width"] >= viewport["width"] - 1 and box["height"] >= viewport["height"] - 1, "it covers the page"
    assert page.evaluate("window.__before_reload") is True, "an error does not reload the page"

    article.write_text(good.replace("title: Tập huấn nghiệp vụ văn thư, lưu trữ",
                                    "title: Tập huấn nghiệp vụ văn thư, lưu trữ năm 2024", 1), "utf-8")
    page.wait_for_function("window.__before_reload === undefined", timeout=15000)   # the page reloaded
    page.locator("h1").wait_for(timeout=15000)
    assert page.locator("h1").inner_text() == "Tập huấn nghiệp vụ văn thư, lưu trữ năm 2024"
    page.wait_for_timeout(300)   # the reloaded page's event stream says "ok": no overlay comes back
    assert page.locator("#sitegen-error").count() == 0
