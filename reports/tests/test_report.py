"""lfbench report: the matrix on fixture results files, the charts and pages it writes, bad input.

Run: LFBENCH_BIN=build/cli/lfbench /usr/bin/python3 -m pytest -q reports/tests/test_report.py
The fixtures are in fixtures/ (synthetic ones from fixtures/make_fixtures.py, plus a trimmed real run).
"""
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
sys.path.insert(0, str(HERE.parent))
import lfbench_report as rep  # noqa: E402

LFBENCH = os.environ.get("LFBENCH_BIN")
SCRIPT = HERE.parent / "lfbench_report.py"


def row(mat, read_pct, threads):
    (r,) = [r for r in mat["rows"] if r["params"] == {"read_pct": read_pct} and r["threads"] == threads]
    return r


@pytest.fixture(scope="module")
def synthetic():
    return rep.load_results(FIX / "synthetic.json")


def test_matrix_picks_the_winner_with_significance(synthetic):
    r = row(rep.matrix(synthetic), 0, 1)
    assert (r["winner"], r["runner_up"], r["verdict"]) == ("fast", "slow", "significant")
    assert r["margin"] == pytest.approx(2.0)
    assert r["p_value"] < 0.05


def test_a_tie_is_called_a_tie(synthetic):
    r = row(rep.matrix(synthetic), 50, 2)
    assert r["verdict"] == "tie"
    assert r["p_value"] >= 0.05


def test_invalid_cell_is_excluded_and_listed(synthetic):
    mat = rep.matrix(synthetic)
    r = row(mat, 0, 2)
    assert r["winner"] == "slow" and "broken" not in [x["primitive"] for x in r["ranking"]]
    assert [(e["primitive"], e["threads"]) for e in mat["excluded"]] == [("broken", 2)]
    assert "total 41 != increments 42" in mat["excluded"][0]["detail"]


def test_known_broken_primitive_is_never_ranked(synthetic):
    # A known-broken primitive (case 000's seed_ring) may pass a window's oracle by luck: its
    # flag alone keeps it out of every ranking.
    doc = json.loads(json.dumps(synthetic))
    for b in doc["benchmarks"]:
        if b.get("lfbench", {}).get("primitive") == "fast":
            b["lfbench"]["flags"] = sorted(set(b["lfbench"].get("flags", [])) | {"known_broken"})
    mat = rep.matrix(doc)
    assert all("fast" not in [x["primitive"] for x in r["ranking"]] for r in mat["rows"])
    assert {e["primitive"] for e in mat["excluded"]} >= {"fast"}
    assert all("known broken" in e["detail"] for e in mat["excluded"] if e["primitive"] == "fast")


def test_a_primitive_that_failed_verify_is_never_ranked_and_the_page_says_who_reached_which_level(synthetic):
    # run --verified-by: "fast" passed every oracle on x86 but failed lfbench verify (a race under
    # ThreadSanitizer); "slow" passed it.
    from lfreport.pages import verification_note
    doc = json.loads(json.dumps(synthetic))
    doc["context"]["lfbench_memory_model"] = "x86-TSO"
    for b in doc["benchmarks"]:
        lf = b.get("lfbench", {})
        if lf.get("primitive") == "fast":
            lf["verification"]["tsan"] = {"status": "failed", "detail": "counter/fast/threads:2: ThreadSanitizer: data race"}
        if lf.get("primitive") == "slow":
            lf["verification"]["tsan"] = {"status": "passed", "detail": "no report"}
            lf["verification"]["level"] = "tsan"
    mat = rep.matrix(doc)
    assert all("fast" not in [x["primitive"] for x in r["ranking"]] for r in mat["rows"])
    assert any(e["primitive"] == "fast" and "failed lfbench verify" in e["detail"] for e in mat["excluded"])
    note = verification_note(doc)
    assert "Failed lfbench verify, so never ranked: fast." in note
    assert "(lfbench verify): slow." in note
    assert "Verified only under x86 order: broken." in note
    assert "No primitive here was checked" in verification_note({"context": {"lfbench_memory_model": "x86-TSO"}, "benchmarks": []})


def test_summary_and_crossover_in_words(synthetic):
    mat = rep.matrix(synthetic)
    texts = [c["text"] for c in rep.crossovers(mat)]
    assert "counter: slow overtakes fast from 2 threads (read_pct=0)" in texts
    lines = {(s["threads"]): s["text"] for s in rep.summary(mat, 2)}
    assert lines[1] == "counter, 1 thread (uncontended): fast 3.00× slow at 1 thread (read_pct=50); leads 2/2 cells, all significant"
    assert lines[2].startswith("counter, 2 threads (contended): slow 1.33× fast at 2 threads (read_pct=0); leads 2/2 cells, 1 significant")


def test_three_repetitions_are_never_significant():
    doc = rep.load_results(FIX / "real_counter_latency.json")
    mat = rep.matrix(doc)
    assert mat["rows"] and all(r["verdict"] == "tie" for r in mat["rows"])
    assert "cannot reach p < 0.05" in rep.small_n_note(rep.recommendations([doc], ["x"]))


def test_colours_are_stable_by_id():
    a = rep.colours({"std_mutex", "atomic_relaxed", "striped_counter"})
    b = rep.colours({"std_mutex", "atomic_relaxed", "striped_counter"})
    assert a == b and len(set(a.values())) == 3


def run_report(*args):
    cmd = [LFBENCH, "report"] if LFBENCH else [sys.executable, str(SCRIPT)]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, timeout=120)


def not_blank(png):
    import matplotlib.image
    img = matplotlib.image.imread(str(png))
    return img.size > 0 and float(img[..., :3].var()) > 1e-4


@pytest.fixture(scope="module")
def report_dir():
    tmp = Path(tempfile.mkdtemp())
    p = run_report(FIX / "synthetic.json", FIX / "real_counter_latency.json", "-o", tmp / "out")
    assert p.returncode == 0, p.stderr
    yield tmp / "out"
    shutil.rmtree(tmp)


def test_every_chart_is_written_and_not_blank(report_dir):
    stems = {p.stem for p in report_dir.glob("*.png")}
    assert {"counter-throughput", "counter-winner-read_pct", "counter-latency", "counter-measures"} <= stems
    for stem in stems:
        assert not_blank(report_dir / f"{stem}.png"), stem
        assert (report_dir / f"{stem}.svg").read_text().lstrip().startswith("<?xml")


def test_pages_and_recommendations(report_dir):
    html = (report_dir / "index.html").read_text()
    assert html.index("Recommendation matrix") < html.index("Scenario: counter") < html.index("Environment and calibration")
    assert "data:image/png;base64," in html and "src='counter" not in html  # self-contained
    md = (report_dir / "report.md").read_text()
    assert "![counter-throughput](counter-throughput.png)" in md and "slow overtakes fast" in md
    recs = json.loads((report_dir / "recommendations.json").read_text())
    assert [f["host"] for f in recs["files"]] == ["hosta", "vm"]
    assert recs["files"][0]["excluded"][0]["primitive"] == "broken"


def test_several_inputs_give_side_by_side_panels(synthetic):
    other = rep.load_results(FIX / "other_host.json")
    cmap = rep.colours({"fast", "slow"})
    fig = rep.figures([synthetic, other], "counter", cmap)["counter-throughput"]
    axes = [a for a in fig.axes if a.get_title()]
    assert len(axes) == 4  # 2 parameter sets × 2 files
    titles = [a.get_title() for a in axes]
    assert sum("hosta · 2026-11-01" in t for t in titles) == 2 and sum("hostb · 2026-11-02" in t for t in titles) == 2
    heat = rep.heatmap_figures([synthetic, other], "counter", cmap)["read_pct"]
    assert len([a for a in heat.axes if a.get_title()]) == 2


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture
def chromium(tmp_path):
    """A headless Chromium command line (ci/setup installs Debian's `chromium`); skipped only when
    none of CHROMIUM_NAMES is on PATH or in /usr/bin. --no-sandbox: the tests may run as root,
    where Chromium refuses its sandbox."""
    exe = next((p for n in CHROMIUM_NAMES for p in (shutil.which(n), f"/usr/bin/{n}")
                if p and os.access(p, os.X_OK)), None)
    if not exe:
        pytest.skip(f"no Chromium ({', '.join(CHROMIUM_NAMES)}) on PATH or in /usr/bin")
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}"]


def test_index_html_renders_in_chromium(report_dir, tmp_path, chromium):
    shot = tmp_path / "shot.png"
    p = subprocess.run([*chromium, f"--screenshot={shot}", "--window-size=1280,2000",
                        (report_dir / "index.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.exists() and not_blank(shot), p.stderr[-2000:]


# Injected into a copy of the page: records errors (scripts, console.error, resources that fail
# to load) from the start, and on load writes them with the images that did not load into
# <body data-probe>, which --dump-dom prints.
PROBE_HEAD = ("<script>window.__errors=[];window.addEventListener('error',function(e){__errors.push(e.message||"
              "('failed to load '+(e.target&&(e.target.alt||e.target.src||e.target.tagName))))},true);"
              "var __ce=console.error;console.error=function(){__errors.push([].join.call(arguments,' '));"
              "__ce.apply(console,arguments)};</script>")
PROBE_TAIL = ("<script>window.addEventListener('load',function(){var bad=[].filter.call(document.images,"
              "function(i){return !(i.complete&&i.naturalWidth>0)}).map(function(i){return i.alt});"
              "document.body.setAttribute('data-probe',JSON.stringify({images:document.images.length,bad:bad,"
              "errors:__errors}))});</script>")


def probe_page(chromium, html, tmp_path):
    page = tmp_path / "probe.html"
    page.write_text(html.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</body>", PROBE_TAIL + "</body>", 1))
    p = subprocess.run([*chromium, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    m = re.search(r'<body[^>]*data-probe="([^"]*)"', p.stdout)
    assert m, f"the page never finished loading:\n{p.stderr[-2000:]}"
    return json.loads(html_lib.unescape(m.group(1)))


def test_index_html_loads_every_image_without_errors(report_dir, tmp_path, chromium):
    html = (report_dir / "index.html").read_text()
    probe = probe_page(chromium, html, tmp_path)
    assert probe["images"] == html.count("<img ") == len(list(report_dir.glob("*.png")))
    assert probe["bad"] == [] and probe["errors"] == []


def test_the_probe_sees_a_broken_image(report_dir, tmp_path, chromium):
    html = (report_dir / "index.html").read_text().replace(
        "</body>", "<p><img alt='broken' src='data:image/png;base64,AAAA'></p></body>", 1)
    probe = probe_page(chromium, html, tmp_path)
    assert probe["bad"] == ["broken"] and probe["errors"]


def test_charts_are_palette_pngs(report_dir):
    from PIL import Image
    for png in report_dir.glob("*.png"):
        assert Image.open(png).mode == "P", png.name  # 256 colours: a third of the bytes


@pytest.mark.parametrize("make_input, message", [
    (lambda d: d / "missing.json", "no such file"),
    (lambda d: FIX / "not_results.json", "not an lfbench results file"),
    (lambda d: (d / "garbage.json").write_text("{oops") and d / "garbage.json", "not a results file"),
    (lambda d: FIX / "empty.json", "empty results"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, make_input, message):
    p = run_report(make_input(tmp_path), "-o", tmp_path / "out")
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and message in p.stderr
    assert not (tmp_path / "out").exists()


def test_non_empty_output_dir_needs_force(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    p = run_report(FIX / "synthetic.json", "-o", tmp_path)
    assert p.returncode == 2 and "--force" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    # --force replaces a previous report only: a directory holding anything else is kept.
    p = run_report(FIX / "synthetic.json", "-o", tmp_path, "--force")
    assert p.returncode == 2 and "keep.txt" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert sorted(x.name for x in tmp_path.iterdir()) == ["keep.txt"]


def test_force_replaces_a_previous_report_whole(tmp_path):
    out = tmp_path / "out"
    assert run_report(FIX / "synthetic.json", "-o", out).returncode == 0
    (out / "stale-chart.png").write_bytes(b"old")
    p = run_report(FIX / "real_counter_latency.json", "-o", out, "--force")
    assert p.returncode == 0, p.stderr
    assert not (out / "stale-chart.png").exists()  # no mix of old and new
    assert [f["host"] for f in json.loads((out / "recommendations.json").read_text())["files"]] == ["vm"]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out"]  # no temporary directory left


def test_generic_over_parameters():
    """A future scenario with a size parameter and a non-numeric one: heatmap over the size parameter."""
    def e(prim, shards, skew, ops):
        return {"run_type": "iteration", "lfbench": {
            "scenario": "map", "primitive": prim, "params": {"entries": shards, "skew": skew}, "threads": 2,
            "ops_per_sec": ops, "verification": {"ok": True}, "flags": [], "fairness": {"jain": 1.0}}}
    benches = [e(p, n, k, (n if p == "sharded" else 4) * 1e6 + i)
               for p in ("sharded", "locked") for n in (1, 8) for k in ("uniform", "zipf") for i in range(5)]
    doc = {"context": {"lfbench_schema_version": 1, "host_name": "h", "date": "2026-01-01"}, "benchmarks": benches}
    mat = rep.matrix(doc)
    assert rep.ratio_params(mat["rows"]) == ["entries"]
    assert {(r["params"]["entries"], r["winner"]) for r in mat["rows"]} == {(1, "locked"), (8, "sharded")}
    assert any("sharded overtakes locked from entries=8" in c["text"] for c in rep.crossovers(mat))
    figs = rep.figures([doc], "map", rep.colours({"sharded", "locked"}))
    # one thread count: lines over the swept size per thread count, no one-column heatmap
    assert {"map-throughput-entries", "map-measures"} <= set(figs)  # no baseline among these: no relative view
    assert not any("winner" in k for k in figs)
    assert "skew=uniform" in figs["map-throughput-entries"].axes[0].get_title()


def _map_doc():
    """Two map primitives, one ignoring `shards`, in one workload cell; and a second file
    without that cell's parameter sweep."""
    doc = json.loads((FIX / "synthetic.json").read_text())
    out = []
    for b in doc["benchmarks"]:
        lf = b.get("lfbench")
        if not lf or lf["params"].get("read_pct") != 0 or not lf.get("verification", {}).get("ok", True):
            continue
        b = json.loads(json.dumps(b))
        b["lfbench"]["scenario"] = "map"
        if b["lfbench"]["primitive"] == "fast":
            b["lfbench"]["params"]["shards"] = 64
        out.append(b)
    doc["benchmarks"] = out
    return doc


def test_a_parameter_some_primitives_ignore_labels_the_others():
    mat = rep.matrix(_map_doc())
    assert mat["rows"] and all(r["params"] == {"read_pct": 0} for r in mat["rows"])
    r = [r for r in mat["rows"] if r["threads"] == 1][0]
    assert {x["primitive"] for x in r["ranking"]} == {"fast[shards=64]", "slow"}


def test_files_sweeping_different_parameters_render(tmp_path):
    a = tmp_path / "map.json"
    a.write_text(json.dumps(_map_doc()))
    p = run_report(FIX / "synthetic.json", a, "-o", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def test_the_page_says_which_memory_order_verified_the_primitives():
    from lfreport.pages import verification_note
    doc = {"context": {"lfbench_memory_model": "x86-TSO"}, "benchmarks": []}
    assert "under x86-TSO only" in verification_note(doc) and "weakly ordered" in verification_note(doc)
    cells = {"context": {}, "benchmarks": [{"lfbench": {"verification": {"ok": True, "memory_model": "arm64 (weak)"}}}]}
    assert "under arm64 (weak) only" in verification_note(cells) and "hides" not in verification_note(cells)
    assert "does not name" in verification_note({"context": {}, "benchmarks": []})
