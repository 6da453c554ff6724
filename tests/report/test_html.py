"""`apigen report`: one self-contained HTML page whose SVG plots render in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigen.bench._synthetic import POLICY, TOOL_SCHEMAS, synthetic_item
from apigen.cli import app
from apigen.errors import ConfigError
from apigen.report import record_lengths, summarise_lengths, tokenizer_counter
from apigen.store import Store
from tests.support.cli import apigen


def _two_runs(db: str) -> tuple[str, str]:
    with Store.open(db) as store:
        ids = []
        for seed, n in ((0, 60), (1, 40)):
            run = store.start_run(
                {}, domain="toy", planned_items=n, tools=TOOL_SCHEMAS, policy=POLICY, seed=seed
            )
            store.write_items([synthetic_item(run.id, i, seed) for i in range(n)])
            store.finish_run(run.id)
            ids.append(run.id)
    return ids[0], ids[1]


@pytest.fixture
def report_html(tmp_path: Path) -> Path:
    db = str(tmp_path / "r.db")
    a, _ = _two_runs(db)
    out = tmp_path / "report.html"
    args = ["report", "--db", db, "--run", a, "--out", str(out), "--context-limit", "600"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def compare_html(tmp_path: Path) -> Path:
    db = str(tmp_path / "c.db")
    a, b = _two_runs(db)
    out = tmp_path / "compare.html"
    args = ["report", "--db", db, "--run", a, "--compare", b, "--out", str(out)]
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


def test_reasons_with_examples_yield_and_agreement(report_html: Path) -> None:
    html = report_html.read_text()
    assert "<h2>Yield per blueprint</h2>" in html and "accepted trials" in html
    assert re.search(r"judge agreement<b>\d+\.\d%</b>", html)
    # every listed reason names example ids to open with `apigen show`
    examples = re.findall(r'<ul class="examples">(.*?)</ul>', html)
    assert examples and all(re.search(r"<code>[^<]+:[^<]+</code>", e) for e in examples)
    assert "apigen show ID" in html


def test_funnel_one_unit_per_phase_in_pipeline_order(report_html: Path) -> None:
    html = report_html.read_text()
    heads = re.findall(r"<h3>([^<]*) – counted in ([^<]*)</h3>", html)
    assert heads == [
        ("work items", "work items"),
        ("phase 1", "blueprint drafts"),
        ("phase 2", "episodes"),
    ]
    # within phase 1 the stages follow the order the reports ran them
    phase1 = html.split("phase 1 – counted")[1].split("phase 2 – counted")[0]
    labels = re.findall(r'text-anchor="end" fill="#222"><title>([^<]+)</title>', phase1)
    assert labels == [
        "blueprint drafts",
        "stage: format",
        "stage: execution",
        "stage: policy",
        "stage: review",
    ]


def test_every_chart_has_gridlines_and_tick_counts(report_html: Path) -> None:
    charts = re.findall(r"<svg .*?</svg>", report_html.read_text(), flags=re.S)
    assert len(charts) >= 10
    for chart in charts:
        assert chart.count('class="grid"') >= 2, chart[:200]
        ticks = re.findall(r'class="tick"[^>]*>([^<]+)<', chart)
        assert ticks[0] in ("0", "0%", "0.0%", "$0.0000") and len(ticks) >= 2


def test_lengths_against_the_context_limit(report_html: Path) -> None:
    html = report_html.read_text()
    found = re.search(
        r"(\d+) of (\d+) accepted records measured \(estimated: characters / 4\): median "
        r"([\d,]+), p90 ([\d,]+), p99 ([\d,]+), longest ([\d,]+) tokens; (\d+) \(",
        html,
    )
    assert found, "length summary missing"
    measured, available = int(found[1]), int(found[2])
    assert measured == available > 0
    longest = int(found[6].replace(",", ""))
    over = int(found[7])
    assert longest > 600 and 0 < over < measured  # the limit cuts through the records
    assert 'class="marker"' in html and "limit 600" in html


def test_tool_rates_parallel_share_wall_time_and_models(report_html: Path) -> None:
    html = report_html.read_text()
    assert "Errors and invalid arguments per tool" in html
    assert "episodes with parallel calls<b>0.0%</b>" in html  # synthetic data: one call a turn
    assert re.search(r"wall time<b>\d+m \d\ds</b>", html)
    assert "<h2>Models per role</h2>" in html and "sim/agent" in html
    assert "Simulated players" in html


def test_compare_puts_two_runs_side_by_side(compare_html: Path) -> None:
    html = compare_html.read_text()
    assert "B − A" in html and html.count('<div class="grid2">') >= 8
    row = re.search(
        r"<tr><td>accepted trajectories</td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)<", html
    )
    assert row and int(row[3]) == int(row[2]) - int(row[1])
    # the funnel of both runs shares one scale: equal tick labels in A and B
    phase2 = html.split("phase 2 – counted")[1].split("<h2>")[0]
    a, b = re.findall(r"<svg .*?</svg>", phase2, flags=re.S)[:2]
    assert re.findall(r'class="tick"[^>]*>([^<]+)<', a) == re.findall(
        r'class="tick"[^>]*>([^<]+)<', b
    )
    # and so do the token-length histograms: the same bins (titles) in A and B
    lengths = html.split("<h2>Length of exported records</h2>")[1].split("<h2>")[0]
    a, b = re.findall(r"<svg .*?</svg>", lengths, flags=re.S)[:2]
    bins_a = re.findall(r"<title>[^<]*?([\d,]+–[\d,]+ tokens)", a)
    assert bins_a and bins_a == re.findall(r"<title>[^<]*?([\d,]+–[\d,]+ tokens)", b)


def test_unknown_compare_run_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "u.db")
    a, _ = _two_runs(db)
    out = str(tmp_path / "x.html")
    code, _, err = apigen(
        capsys, "report", "--db", db, "--run", a, "--compare", "nope", "--out", out
    )
    assert code == 2 and "no run 'nope'" in err and err.count("\n") == 1
    assert not (tmp_path / "x.html").exists()


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


def test_compared_runs_share_length_bins(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    a, _ = _two_runs(db)
    with Store.open(db) as store:  # run B: the same items with one very long message each
        run = store.start_run({}, domain="toy", planned_items=20, tools=TOOL_SCHEMAS, policy=POLICY)
        items = []
        for i in range(20):
            item = synthetic_item(run.id, i, 2)
            long = [
                t.model_copy(
                    update={
                        "messages": (
                            *t.messages[:-1],
                            t.messages[-1].model_copy(update={"content": "word " * 4000}),
                        )
                    }
                )
                for t in item.trajectories
            ]
            items.append(item.model_copy(update={"trajectories": tuple(long)}))
        store.write_items(items)
        store.finish_run(run.id)
    out = tmp_path / "l.html"
    args = ["report", "--db", db, "--run", a, "--compare", run.id, "--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    section = out.read_text().split("<h2>Length of exported records</h2>")[1].split("<h2>")[0]
    svg_a, svg_b = re.findall(r"<svg .*?</svg>", section, flags=re.S)[:2]
    bins = [re.findall(r"<title>[^<]*?([\d,]+–[\d,]+ tokens)", x) for x in (svg_a, svg_b)]
    assert bins[0] and bins[0] == bins[1]


def test_compared_lengths_share_bin_edges() -> None:
    short = summarise_lengths([10, 20, 30], top=900)
    long = summarise_lengths([100, 500, 900])
    assert [(lo, hi) for lo, hi, _ in short.bins] == [(lo, hi) for lo, hi, _ in long.bins]
    assert short.longest == 30 and sum(n for *_, n in short.bins) == 3


def test_record_lengths_percentiles_and_limit() -> None:
    lengths = record_lengths(["x" * 400 * k for k in range(1, 101)], limit=5000, available=200)
    assert (lengths.p50, lengths.p90, lengths.longest) == (5000, 9000, 10000)
    assert lengths.over_limit == 50 and lengths.measured == 100 and lengths.available == 200
    assert sum(n for _, _, n in lengths.bins) == 100
    assert lengths.bins[0][0] == 0 and lengths.bins[-1][1] > 10000


def test_bad_tokenizer_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot load"):
        tokenizer_counter(bad)


def test_every_example_id_opens_with_apigen_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    a, _ = _two_runs(db)
    with Store.open(db) as store:
        stats = store.stats(a)
    groups = [*stats.blueprint_rejections, *stats.verdict_rejections]
    assert any(g.stage == "execution" for g in stats.blueprint_rejections)
    for g in groups:
        for reason in g.reasons:
            assert len(reason.examples) == 2
            for ident in reason.examples:
                code, out, err = apigen(capsys, "show", ident, "--db", db)
                assert code == 0, err
                assert reason.label in out.replace("\n", " ") or g.stage in out
    stage = next(g for g in stats.blueprint_rejections if g.stage == "execution")
    code, out, _ = apigen(capsys, "show", stage.reasons[0].examples[0], "--db", db)
    assert "stage execution failed" in out and stage.reasons[0].label in out
