"""Issue 29: a results file's own text (host name, CPU model, command line, a parameter's name and
value) is drawn as one bounded line in charts, headings and the environment table, and is escaped
in report.md as index.html escapes it.

Run: LFBENCH_BIN=build/cli/lfbench /usr/bin/python3 -m pytest -q reports/tests/test_hostile_text.py
"""
import html as html_lib
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import lfbench_report as rep  # noqa: E402
from test_report import FIX, run_report  # noqa: E402

# Each kind of harm at once: raw HTML, a table's |, newlines that would start a heading and a list
# item, Markdown's inline specials, an entity that must show as written.
HOSTILE = "<script>alert(1)</script>|cell|\n# heading\n- item `tick` *em* _u_ [link](x) ~~s~~ &amp; "


def hostile_doc():
    """synthetic.json with HOSTILE and 9,000 characters more in every free text: the context's,
    a parameter's name (every panel title, the matrix) and the value of the primitive parameter
    shards (fast's label: legends, bars, heatmap cells)."""
    doc = json.loads((FIX / "synthetic.json").read_text())
    c = doc["context"]
    c["lfbench_host"] = c["host_name"] = HOSTILE + "h" * 9000
    c["lfbench_cpu_model"] = HOSTILE + "c" * 9000
    c["lfbench_command_line"] = ["lfbench", "run", HOSTILE + "r" * 9000]
    for b in doc["benchmarks"]:
        b["lfbench"]["params"][HOSTILE + "k" * 9000] = 1
        if b["lfbench"]["primitive"] == "fast":
            b["lfbench"]["params"]["shards"] = (HOSTILE + "s" * 256)[:256]  # the schema's longest value
    return doc


def longest_run(text, letters="hcrks"):
    return max((len(m) for m in re.findall(f"[{letters}]+", text)), default=0)


@pytest.fixture(scope="module")
def hostile_report():
    """One report of two files, synthetic.json and the hostile one: with two files every chart's
    panel titles name the file (host included)."""
    tmp = Path(tempfile.mkdtemp())
    (tmp / "hostile.json").write_text(json.dumps(hostile_doc()))
    p = run_report(FIX / "synthetic.json", tmp / "hostile.json", "-o", tmp / "out")
    yield p, tmp / "out"
    shutil.rmtree(tmp)


def test_a_results_file_with_a_9000_character_host_name_is_reported(hostile_report):
    p, out = hostile_report
    assert p.returncode == 0, p.stderr  # was 3: matplotlib's raster overflow on the title
    assert {"index.html", "report.md", "recommendations.json"} <= {f.name for f in out.iterdir()}
    assert list(out.glob("*.png"))


def test_chart_text_from_the_file_is_one_bounded_line(hostile_report):
    _, out = hostile_report
    # matplotlib's SVG carries each line of text it drew as a comment.
    lines = [html_lib.unescape(t) for svg in out.glob("*.svg") for t in re.findall(r"<!-- (.*?) -->", svg.read_text())]
    assert any("alert(1)" in t for t in lines) and any("fast[shards=" in t for t in lines)  # drawn, bounded
    assert longest_run("\n".join(lines)) <= rep.TITLE_CHARS
    assert max(map(len, lines)) <= 2 * rep.TITLE_CHARS
    assert not any(t.startswith(("# heading", "- item")) for t in lines)  # the file's newlines break no line


def unescaped_pipes(line):
    """The |s that split a Markdown table row: those behind an even number of backslashes."""
    return len(re.findall(r"(?<!\\)(?:\\\\)*\|", line))


def test_report_md_escapes_the_files_text_as_index_html_does(hostile_report):
    _, out = hostile_report
    md, page = (out / "report.md").read_text(), (out / "index.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)" in page
    assert not re.search(r"<[A-Za-z/!?]", md) and "&lt;script&gt;alert(1)" in md  # no raw HTML at all
    assert not re.search(r"^(# heading|- item)", md, re.M)
    # The context's text (h, c, r) is bounded on the pages; a parameter's name is shown whole there.
    assert longest_run(md, "hcr") <= rep.TABLE_CHARS and longest_run(page, "hcr") <= rep.TABLE_CHARS
    # Every table row has its header's columns: no | or newline of the file split a row.
    table = None
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            table = table or unescaped_pipes(line)
            assert unescaped_pipes(line) == table, line[:200]
        else:
            table = None


def test_markdown_renders_every_text_as_written():
    # The writer alone, on short text: what fails here is the escaping, not a bound.
    blocks = [("h2", "Recommendation matrix — " + HOSTILE), ("p", HOSTILE), ("ul", [HOSTILE, "- x", "1. y", "+ z"]),
              ("table", [["text", "n"], [HOSTILE, "1"], ["a\\|b", "---"]])]
    md = rep.to_markdown(blocks, [("counter", [("counter-throughput-a b", b"")])], [(HOSTILE, [("host", HOSTILE)])])
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "&amp;amp;" in md
    assert not re.search(r"^(# heading|- item|- x|1\. y|\+ z|---)", md, re.M)  # no heading, list or rule of its own
    assert "- \\- x" in md and "- 1\\. y" in md and "- \\+ z" in md
    for special in ("\\`tick\\`", "\\*em\\*", "\\_u\\_", "\\[link\\](x)", "\\~\\~s\\~\\~", "\\# heading"):
        assert special in md, special
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert rows and all(unescaped_pipes(ln) == 3 for ln in rows), rows
    assert "| a\\\\\\|b | \\--- |" in md  # a backslash of the text stays one, its | stays in the cell
    assert "](counter-throughput-a%20b.png)" in md
    assert "read_pct=0" == rep.md_escape("read_pct=0")  # _ inside a word opens no emphasis: left readable


def test_file_label_and_environment_are_bounded_lines():
    doc = hostile_doc()
    doc["_file"] = "hostile.json"
    label = rep.file_label(doc)
    assert label.startswith("hostile.json (<script>alert(1)</script>|cell|\\n# heading") and label.endswith(" 10:00)")
    assert "\n" not in label and longest_run(label) <= rep.TITLE_CHARS
    env = dict(rep.environment(doc))
    for key in ("host", "CPU", "command"):
        assert "\n" not in env[key] and len(env[key]) <= rep.TABLE_CHARS and env[key].endswith("..."), key


def test_a_chart_file_name_from_the_files_names_is_safe_bounded_and_unique():
    # A swept parameter's name goes into its chart's file name: a '/' there failed the save (exit 3).
    used = set()
    a = rep.file_stem("counter-../" + HOSTILE + "k" * 300, used)
    b = rep.file_stem("counter-../" + HOSTILE + "k" * 300, used)
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", a) and len(a) <= 100 and a != b
    assert rep.file_stem("counter-throughput", used) == "counter-throughput"
