"""Proposals end to end, as users make them: the ``wealth`` console script, a real papermill kernel, nbconvert,
WeasyPrint, poppler (pdftotext, pdffonts) and headless Chromium.

Each locale renders (en: lee, morgan; zh-TW: lin; zh-CN: wang); the PDF text carries the client's name, every
heading of that locale (from the catalog), each proposed product's grade and the ceiling; fonts are embedded;
no traceback anywhere; the HTML paints in a browser without console errors; a ``<script>`` client prints as
text; the authoring round trip (draft → edit → render) carries the advisor's words and the override.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import nbformat
import pytest
import yaml

from wealthlib.documents import proposal_headings, set_parameters
from wealthlib.i18n import t

from _paths import ROOT
from _pdftext import fonts as pdf_fonts
from _cli import run_subprocess as run  # the installed console script, no traceback allowed

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
pytestmark = [pytest.mark.slow, needs_poppler]

CLIENTS = {"lee": "en", "morgan": "en", "lin": "zh-TW", "wang": "zh-CN"}
#: The params folder of each client's firm: wang is a client of the mainland bank (params/cn-bank).
FIRM = {"wang": ROOT / "params" / "cn-bank"}
HOSTILE = "<script>alert(1)</script>"


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    """Whitespace removed: headings may wrap or be spaced differently in extracted PDF text."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict[str, Path]]:
    out = tmp_path_factory.mktemp("proposals")
    docs = {}
    for client in CLIENTS:
        proc = run("--params", str(FIRM.get(client, ROOT / "params")), "propose", client, "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.split()
        assert lines == [str(out / f"{client}.html"), str(out / f"{client}.pdf")]
        docs[client] = {"html": out / f"{client}.html", "pdf": out / f"{client}.pdf"}
    return docs


@pytest.mark.parametrize("client", list(CLIENTS))
def test_pdf_carries_name_headings_grades_and_ceiling(rendered, client):
    locale = CLIENTS[client]
    firm = FIRM.get(client, ROOT / "params")
    data = yaml.safe_load((firm / "clients" / f"{client}.yaml").read_text(encoding="utf-8"))
    text = pdf_text(rendered[client]["pdf"])
    flat = squash(text)
    assert squash(data["name"]) in flat
    missing = [h for h in proposal_headings(locale) if squash(h) not in flat]
    assert missing == []
    # each proposed product's grade, and the ceiling, from the suitability table
    from wealthlib.documents import build_proposal

    p = build_proposal(client, params=firm, as_of="2018-12-31")
    assert p.grades
    for code, grade in p.grades.items():
        assert re.search(rf"{re.escape(code)}\s+{grade}\b", text) or f"{code}){grade}" in flat or \
            re.search(rf"{re.escape(code)}.{{0,80}}{grade}", flat), (code, grade)
    assert squash(t("documents.field_ceiling", locale)) in flat and p.ceiling_label in text
    assert "Traceback" not in text and "Error" not in text


@pytest.mark.parametrize("client", list(CLIENTS))
def test_fonts_embedded_and_no_traceback_in_html(rendered, client):
    fonts = subprocess.run(["pdffonts", str(rendered[client]["pdf"])], capture_output=True, text=True, check=True)
    rows = fonts.stdout.strip().splitlines()[2:]
    assert rows, fonts.stdout
    assert all(row.split()[-5] == "yes" for row in rows), fonts.stdout  # the "emb" column
    # the family, as each engine names it (WeasyPrint Noto-Sans-CJK-TC-Common, typst NotoSansCJKTCCommon-Regular)
    families = {name for name, _, _ in pdf_fonts(rendered[client]["pdf"].read_bytes())}
    script = {"zh-TW": "tc", "zh-CN": "sc"}.get(CLIENTS[client])
    if script:
        assert any(f.startswith(f"notosanscjk{script}") for f in families), families
    html = rendered[client]["html"].read_text(encoding="utf-8")
    assert "Traceback" not in html and "<script" not in html.lower()
    assert "override_reason" not in html and "build_proposal" not in html  # no code, no parameters cell
    lang = {"en": "en", "zh-TW": "zh-Hant-TW", "zh-CN": "zh-Hans-CN"}[CLIENTS[client]]
    assert f'<html lang="{lang}">' in html


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
                    reason="Chromium not installed")
def test_proposal_paints_in_chromium_without_console_errors(rendered, tmp_path):
    from test_browser import _chromium, _console_errors, _non_blank, _page_hosts

    shot, netlog = tmp_path / "shot.png", tmp_path / "net.json"
    res = _chromium(rendered["lin"]["html"].as_uri(), tmp_path, "--window-size=1000,1400", f"--screenshot={shot}",
                    f"--log-net-log={netlog}")
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    stddev, dark = _non_blank(shot)
    assert stddev > 10 and dark > 0.01, (stddev, dark)
    assert _console_errors(res.stderr) == []
    assert _page_hosts(netlog) == set()


def test_script_client_renders_as_text(params_copy, tmp_path):
    data = yaml.safe_load((params_copy / "clients" / "lee.yaml").read_text(encoding="utf-8"))
    data.update(id="evil", name=f"Eve {HOSTILE}", notes=f"<img src=x onerror=alert(2)> {HOSTILE}")
    (params_copy / "clients" / "evil.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    proc = run("--params", str(params_copy), "propose", "evil", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    html = (out / "evil.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "onerror=alert(2)>" not in html.replace("&gt;", "")
    assert escape(f"Eve {HOSTILE}", quote=False) in html
    assert f"Eve {HOSTILE}" in pdf_text(out / "evil.pdf")


def test_authoring_round_trip(params_copy, tmp_path):
    drafts = tmp_path / "drafts"
    proc = run("--params", str(params_copy), "draft", "lin", "--dir", str(drafts), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    draft = drafts / "lin" / "proposal.ipynb"
    assert str(draft) in proc.stdout and "make lab" in proc.stdout
    assert run("--params", str(params_copy), "draft", "lin", "--dir", str(drafts), cwd=tmp_path).returncode == 1

    nb = nbformat.read(draft, as_version=4)
    words = "Because **you** asked for growth: ROUNDTRIP-WORDS-42"
    for cell in nb.cells:
        if cell.metadata.get("advisor_section") == "rationale":
            cell.source = f"{words} {HOSTILE}"
    reason = "Client declaration signed 2018-12-20, supervisor approved"
    set_parameters(nb, {"override_class": "aggressive", "override_reason": reason, "override_by": "sup-wu"})
    nbformat.write(nb, draft)

    out = tmp_path / "out"
    proc = run("render", str(draft), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = pdf_text(out / "proposal.pdf")
    flat = squash(text)
    assert "ROUNDTRIP-WORDS-42" in text and "Because you asked for growth" in text  # markdown rendered
    # the supervisor by name (the firm's advisor registry), never by id; the class by its name in the policy
    sup = yaml.safe_load((params_copy / "advisors.yaml").read_text(encoding="utf-8"))["people"]["sup-wu"]
    assert squash(reason) in flat and "sup-wu" not in text
    assert squash(f"{t('documents.audit_overrides', 'zh-TW')}: 積極型 ({sup['names']['zh-TW']}") in flat  # audit
    assert "積極型" in text  # the overridden class
    html = (out / "proposal.html").read_text(encoding="utf-8")
    assert "<strong>you</strong>" in html and "<script" not in html.lower() and "&lt;script&gt;" in html
    assert "Leave this text unchanged" not in html  # the cover letter placeholder became the standard letter
    # the draft itself is untouched by rendering
    assert nbformat.read(draft, as_version=4).cells == nb.cells


def test_expired_kyc_stops_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    proc = run("propose", "huang", "--out", str(out))
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "huang.yaml: kyc.date:" in proc.stderr and "expired on 2018-09-30" in proc.stderr
    assert not out.exists()


def test_template_defaults_run_as_jupyterlab_runs_them():
    """Opened in JupyterLab the template runs in its own folder, with its own parameters cell (client lin)."""
    from wealthlib.render import execute

    nb = execute(ROOT / "templates" / "proposal.ipynb", None, cwd=ROOT / "templates")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "林志明" in html and t("documents.proposal_audit", "zh-TW") in html


def test_demo_renders_every_sample_and_skips_the_expired_kyc(tmp_path):
    out = tmp_path / "reports"
    proc = run("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    samples = sorted(p.stem for p in (ROOT / "params" / "clients").glob("*.yaml"))
    import json

    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    status = {r["client"]: r["status"] for r in index}
    assert status == {c: ("skipped" if c == "huang" else "ok") for c in samples}
    for c in samples:
        assert ((out / f"{c}.pdf").is_file() and (out / f"{c}.html").is_file()) == (c != "huang")
    assert "expired on 2018-09-30" in next(r["detail"] for r in index if r["client"] == "huang")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="lin.pdf">' in page and "林志明" in page and "<script" not in page.lower()
    assert "huang" in proc.stdout and "skipped" in proc.stdout


def test_failure_after_the_checks_writes_nothing(tmp_path, monkeypatch):
    """The kernel starts once the checks pass, while the analytics are computed; if those then fail, the
    kernel stops with the builder's message and no document is written."""
    from datetime import date

    from wealthlib import _propose, documents
    from wealthlib.errors import WealthError

    def broken(self):
        raise WealthError("analytics broke on purpose")

    monkeypatch.setattr(documents._Builder, "build", broken)  # the forked child inherits the patch
    out = tmp_path / "out"
    kwargs = dict(params=ROOT / "params", as_of=date(2018, 12, 31), locale=None, objective=None, seed=20181231)
    with pytest.raises(WealthError, match="analytics broke on purpose"):
        _propose.propose("lin", kwargs, out, ("html", "pdf"), None, 20181231)
    assert not out.exists()
