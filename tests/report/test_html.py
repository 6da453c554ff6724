"""`apigen report`: one self-contained HTML page whose SVG plots render in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigen.bench._synthetic import synthetic_item
from apigen.cli import app
from apigen.store import Store


@pytest.fixture
def report_html(tmp_path: Path) -> Path:
    db = str(tmp_path / "r.db")
    with Store.open(db) as store:
        run = store.start_run({}, domain="toy", planned_items=60)
        store.write_items([synthetic_item(run.id, i) for i in range(60)])
    out = tmp_path / "report.html"
    args = ["report", "--db", db, "--run", run.id, "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_report_package_imports_no_sqlalchemy() -> None:
    code = "import sys, apigen.report; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_self_contained(report_html: Path) -> None:
    html = report_html.read_text()
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert html.count("<svg") >= 6
    widths = [float(w) for w in re.findall(r'<rect class="bar" [^>]*width="([\d.]+)"', html)]
    assert len(widths) > 20 and max(widths) > 100


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_renders_in_headless_chromium(report_html: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    # Measure the drawn bars in the browser and write the result into the DOM.
    probe = report_html.with_name("probe.html")
    probe.write_text(
        report_html.read_text().replace(
            "</body>",
            "<script>const r=[...document.querySelectorAll('svg rect.bar')]"
            ".map(e=>e.getBoundingClientRect()).filter(b=>b.width>0&&b.height>0);"
            "document.body.setAttribute('data-drawn-bars', r.length);"
            "document.body.setAttribute('data-svgs', document.querySelectorAll('svg.chart')"
            ".length);</script></body>",
        )
    )
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--dump-dom",
        probe.as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=True).stdout
    drawn = int(re.search(r'data-drawn-bars="(\d+)"', dom).group(1))  # type: ignore[union-attr]
    svgs = int(re.search(r'data-svgs="(\d+)"', dom).group(1))  # type: ignore[union-attr]
    assert svgs >= 6 and drawn > 20
    assert "Funnel" in dom and "Tool usage" in dom
