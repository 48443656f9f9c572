"""The document HTML in a real browser: headless Chromium (Debian package), offline.

Checks: the page paints (screenshot not blank), no console errors, no request leaves the machine, the
DOM after load has no script and carries the lang attribute. The detectors are proved on a bad page first,
so a silent pass cannot come from a detector that sees nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from wealthlib import render as R

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'); skipped"),
]

TINY = Path(__file__).parent / "data" / "render" / "tiny.ipynb"

#: Chromium talks to these on its own (update, time, account checks) whatever the page is; the flags below
#: stop most of it. They say nothing about the document, so the network check ignores them.
BROWSER_SERVICE_HOSTS = re.compile(r"(^|\.)(google\.com|googleapis\.com|gstatic\.com|gvt1\.com|gvt2\.com)$")


def _chromium(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        f"--user-data-dir={tmp / 'profile'}",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: nothing resolves even if something tries
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        url,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def _page_hosts(netlog: Path) -> set[str]:
    """Hosts of every URL request in a Chromium net log, less the browser's own services."""
    log = json.loads(netlog.read_text(encoding="utf-8", errors="replace") or "{}")
    hosts = set()
    for event in log.get("events", []):
        url = (event.get("params") or {}).get("url", "")
        m = re.match(r"(?:https?|wss?|ftp)://([^/:?#]+)", url)
        if m and not BROWSER_SERVICE_HOSTS.search(m.group(1)):
            hosts.add(m.group(1))
    return hosts


def _non_blank(png: Path) -> tuple[float, float]:
    from PIL import Image, ImageStat

    img = Image.open(png).convert("L")
    stddev = ImageStat.Stat(img).stddev[0]
    dark = sum(img.histogram()[:200]) / (img.width * img.height)  # share of clearly non-white pixels
    return stddev, dark


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> Path:
    nb = R.execute(TINY, {"client_name": "陳大文 <script>alert(1)</script>", "client_note": "<img src=x onerror=alert(3)>"})
    html = R.to_html(nb, lang="zh-TW", title="資產配置建議書", footer="投資一定有風險", audit="inputs=abc")
    return R.write_atomic(tmp_path_factory.mktemp("doc") / "doc.html", html)


def test_detectors_catch_a_bad_page(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><p>bad</p><script>undefinedFn()</script>'
        '<img src="https://cdn.example.com/x.png"></body></html>'
    )
    res = _chromium(bad.as_uri(), tmp_path, f"--log-net-log={tmp_path / 'net.json'}", f"--screenshot={tmp_path / 'b.png'}")
    assert any("undefinedFn" in line for line in _console_errors(res.stderr)), res.stderr[-2000:]
    assert "cdn.example.com" in _page_hosts(tmp_path / "net.json")


def test_document_paints_without_errors_or_network(document, tmp_path):
    shot = tmp_path / "shot.png"
    netlog = tmp_path / "net.json"
    res = _chromium(
        document.as_uri(), tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", f"--log-net-log={netlog}"
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.exists(), res.stderr[-2000:]
    stddev, dark = _non_blank(shot)
    assert stddev > 10 and dark > 0.01, (stddev, dark)  # text, a table and a chart, not a white page
    assert _console_errors(res.stderr) == []
    assert _page_hosts(netlog) == set()


def test_dom_after_load(document, tmp_path):
    res = _chromium(document.as_uri(), tmp_path, "--dump-dom")
    dom = res.stdout
    assert '<html lang="zh-Hant-TW">' in dom
    assert re.search(r"<script", dom, re.I) is None  # nothing ran, nothing was injected
    assert re.search(r"<img[^>]*onerror", dom, re.I) is None
    assert "陳大文 &lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<thead>" in dom and "data:image/png;base64," in dom
