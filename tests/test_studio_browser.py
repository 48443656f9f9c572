"""The studio in a real JupyterLab, driven by headless Chromium (Debian's, through playwright's executable_path;
nothing downloaded): open a sample draft, wait for the kernel, Run All, exclude a product and set γ in the
what-if panel, wait for the updated allocation, save the choices, `wealth render` the draft and find the chosen
values in the PDF text (poppler). Afterwards neither the server, its kernels nor the browser is running.

Every wait is on a state (a line the server prints, an element or text in the page, a process ending), never
on a fixed sleep.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from _paths import ROOT
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed (.ci/sysdeps.sh)"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc; zombies excluded)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return f"{pid} (gone)"


def _exited(pid: int, timeout: float) -> bool:
    """Wait for a process that is not our child to end: its pidfd becomes readable when it exits (an event)."""
    import select

    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    return not _alive(pid)


class Lab:
    """A JupyterLab server on a free loopback port with a random token; ready when it says it is running."""

    def __init__(self, root: Path, env: dict[str, str]):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.proc = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={self.port}",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={self.token}", f"--notebook-dir={root}",
             "--ServerApp.port_retries=0", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        # poll until the server answers (it binds its port from its event loop, after logging its URL); between
        # attempts wait on its next log line, at most 0.2 s: a poll of a state, not a sleep standing in for one
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
        deadline = time.monotonic() + 180
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("jupyter lab exited:\n" + "".join(self.log[-30:]))
            try:
                with direct.open(f"{self.url}/api/status?token={self.token}", timeout=10) as r:
                    assert r.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                try:
                    self.lines.get(timeout=0.2)
                except queue.Empty:
                    pass

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line)
            self.lines.put(line)
        self.lines.put(None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # jupyter asks on one ^C, shuts down (kernels too) on two
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


def test_studio_in_jupyterlab_changes_what_renders(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    drafts = tmp_path / "drafts"
    env = {**os.environ, "WEALTHLIB_CACHE": os.environ.get("WEALTHLIB_CACHE", str(tmp_path / "cache")),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    subprocess.run([str(BIN / "wealth"), "--params", str(ROOT / "params"), "draft", "lin", "--dir", str(drafts)],
                   check=True, cwd=ROOT, env=env, capture_output=True)
    # every cell stays in the page (JupyterLab 4 otherwise detaches cells scrolled out of view); no news pop-up
    settings = tmp_path / "settings"
    for ext, name, value in (("notebook-extension", "tracker", {"windowingMode": "none"}),
                             ("apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False})):
        (settings / f"@jupyterlab/{ext}").mkdir(parents=True, exist_ok=True)
        (settings / f"@jupyterlab/{ext}" / f"{name}.jupyterlab-settings").write_text(json.dumps(value))
    draft = drafts / "lin" / "proposal.ipynb"
    assert draft.is_file() and not (drafts / "lin" / "choices.json").exists()

    # what this pytest process already runs (e.g. a multiprocessing resource tracker an earlier test started, which
    # lives as long as pytest) is not this test's to end
    already = _descendants(os.getpid())
    lab = Lab(drafts, env)
    server_tree: set[int] = set()
    browser_tree: set[int] = set()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            browser_tree = _descendants(os.getpid()) - already - {lab.proc.pid} - _descendants(lab.proc.pid)
            page = None
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(120_000)
                page.goto(f"{lab.url}/lab/tree/lin/proposal.ipynb?token={lab.token}")
                # the kernel must be Idle before anything runs, or keystrokes and commands are lost
                page.wait_for_function(
                    "() => (document.querySelector('#jp-main-statusbar') || {}).textContent?.includes('Idle')")
                page.locator("li.lm-MenuBar-item", has_text="Run").first.click()
                page.locator("li.lm-Menu-item", has_text="Run All Cells").first.click()
                expected = page.locator(".wl-expected").first
                expected.wait_for()
                expected.scroll_into_view_if_needed()
                before = expected.inner_text()
                products = page.locator(".wl-by-product").first
                assert "CORP-BAA10" in products.inner_text()  # the proposal holds it
                server_tree = _descendants(lab.proc.pid)

                # exclude CORP-BAA10: the allocation answers without it
                page.locator(".widget-select-multiple select").first.select_option(label="CORP-BAA10 RR3")
                page.wait_for_function(
                    "() => { const t = document.querySelector('.wl-by-product');"
                    " return t && !t.textContent.includes('CORP-BAA10'); }")
                assert page.locator(".wl-expected").first.inner_text() != before

                # γ = 4.5 through the slider's editable readout
                slider = page.locator(".widget-slider", has_text="Risk aversion").first
                readout = slider.locator(".widget-readout")
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type("4.5")
                page.keyboard.press("Enter")
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.widget-slider')].some("
                    "e => e.textContent.includes('Risk aversion') && e.querySelector('.widget-readout').textContent.trim() === '4.5')")

                page.get_by_role("button", name="Save choices").click()
                page.locator(".wl-saved", has_text="Saved to choices.json").wait_for()
                page.locator(".wl-saved", has_text="γ 4.5").wait_for()
                server_tree |= _descendants(lab.proc.pid)
            except Exception:
                if page is not None:  # what the page showed, for the failure report
                    page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                    print("screenshot:", tmp_path / "failure.png")
                raise
            finally:
                browser.close()
    finally:
        lab.stop()

    # the server, its kernel and the browser are gone
    assert lab.proc.poll() is not None
    left = [p for p in server_tree | browser_tree | {lab.proc.pid} if not _exited(p, timeout=30)]
    assert not left, f"processes left running: {[_cmdline(p) for p in left]}"
    assert server_tree, "the server started no kernel"

    saved = (drafts / "lin" / "choices.json").read_text(encoding="utf-8")
    assert '"risk_aversion": 4.5' in saved and '"CORP-BAA10"' in saved

    done = subprocess.run([str(BIN / "wealth"), "render", str(draft), "--format", "pdf", "--out", str(tmp_path / "out")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "out" / "proposal.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "risk aversion γ = 4.5" in flat  # the audit record prints the chosen γ
    assert "本建議另排除" in flat and "CORP-BAA10" in flat.split("本建議另排除", 1)[1][:200]  # lin reads zh-TW
    assert "What-if studio" not in flat and "studio.panel" not in flat  # the panel cell is not printed
