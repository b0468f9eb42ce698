"""Loading and normalising results files: the results-file contract (the same one lfbench compare
checks), then one sample per (scenario, params, threads, primitive) cell."""
import json
import math
import os
import re
import stat
import statistics
from pathlib import Path

class BadInput(Exception):
    """Bad input: main prints the message as one line and exits 2."""



# --------------------------------------------------------------------------- loading

def _find_schema():
    """reports/results.schema.json: beside the package in the source tree (reports/), one level
    up when installed (<prefix>/share/lfbench/reports/lfreport)."""
    here = Path(__file__).resolve().parent.parent
    for p in (here / "results.schema.json", here.parent / "results.schema.json"):
        if p.is_file():
            return json.loads(p.read_text())
    raise BadInput(f"results.schema.json not found beside {here}; reinstall lfbench")


_SCHEMA = {}


def schema():
    """The results-file contract shared with lfbench compare: the JSON Schema and its limits."""
    if not _SCHEMA:
        _SCHEMA.update(_find_schema())
    return _SCHEMA


def _read_bounded(path, max_bytes):
    """The bytes of a regular file of at most max_bytes; FIFOs, devices and directories are
    refused before anything is read (O_NONBLOCK: opening a FIFO must not wait for a writer)."""
    allowed = f"; allowed: a regular results file of at most {max_bytes} bytes"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as e:
        raise BadInput(f"{path}: cannot open: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device")
            raise BadInput(f"{path}: is {kind}, not a regular file{allowed}")
        if st.st_size > max_bytes:
            raise BadInput(f"{path}: {st.st_size} bytes is too big{allowed}")
        chunks, got = [], 0
        while got <= max_bytes:  # one byte past the limit at most: procfs files report no size
            b = os.read(fd, min(1 << 20, max_bytes + 1 - got))
            if not b:
                break
            chunks.append(b)
            got += len(b)
        if got > max_bytes:
            raise BadInput(f"{path}: more than {max_bytes} bytes is too big{allowed}")
        return b"".join(chunks)
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}") from None
    finally:
        os.close(fd)


# A JSON string token as written (escapes included), for the length limit; only applied to
# text the parser accepted, where every quote outside a string opens one.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _json_path(parts):
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the top level"


def load_results(path):
    """The results dict of an lfbench results file, or BadInput naming what is wrong. The file
    must keep the limits (x-lfbench-limits) and validate against results.schema.json before any
    field is used: the same contract lfbench compare checks."""
    sch = schema()
    lim = sch["x-lfbench-limits"]
    data = _read_bounded(path, lim["max_file_bytes"])
    if not data.strip():
        raise BadInput(f"{path}: empty file; not a results file (write one with `lfbench run -o FILE`)")

    def number(tok, convert):
        if len(tok) > lim["max_number_chars"]:
            raise BadInput(f"{path}: a number of {len(tok)} characters ('{tok[:20]}...'); "
                           f"allowed: at most {lim['max_number_chars']}")
        x = convert(tok)
        if not math.isfinite(x) or abs(x) > lim["max_abs_number"]:
            raise BadInput(f"{path}: number {tok} is out of range; allowed: finite numbers of magnitude at most "
                           f"{lim['max_abs_number']:g}")
        return x

    def constant(tok):
        raise BadInput(f"{path}: not a results file (not JSON: {tok} is not a JSON value)")

    try:
        doc = json.loads(data.decode("utf-8"), parse_int=lambda t: number(t, int),
                         parse_float=lambda t: number(t, float), parse_constant=constant)
    except UnicodeDecodeError as e:
        raise BadInput(f"{path}: not a results file (not UTF-8 text at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}: not a results file (not JSON: {e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise BadInput(f"{path}: JSON nested deeper than {lim['max_depth']} levels; "
                       f"allowed: at most {lim['max_depth']}") from None
    longest = max((len(m) - 2 for m in _STRING.findall(data)), default=0)
    if longest > lim["max_string_bytes"]:
        raise BadInput(f"{path}: a string of {longest} bytes; allowed: at most {lim['max_string_bytes']}")
    stack = [(doc, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, (dict, list)):
            if depth > lim["max_depth"]:
                raise BadInput(f"{path}: JSON nested deeper than {lim['max_depth']} levels; "
                               f"allowed: at most {lim['max_depth']}")
            stack.extend((x, depth + 1) for x in (v.values() if isinstance(v, dict) else v))
    if not isinstance(doc, dict) or not isinstance(doc.get("context"), dict) \
            or "lfbench_schema_version" not in doc["context"] or not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{path}: not an lfbench results file (expected 'context' with lfbench_schema_version "
                       "and 'benchmarks'; write one with `lfbench run -o FILE`)")
    if len(doc["benchmarks"]) > lim["max_entries"]:
        raise BadInput(f"{path}: benchmarks has {len(doc['benchmarks'])} entries; "
                       f"allowed: at most {lim['max_entries']}")
    import jsonschema
    err = next(iter(jsonschema.Draft202012Validator(sch).iter_errors(doc)), None)
    if err is not None:
        raise BadInput(f"{path}: {_json_path(err.absolute_path)}: {err.message} (reports/results.schema.json)")
    # The rules lfbench compare adds to the schema, so both readers accept the same files: in an
    # A/B file (context.lfbench_ab) every entry names one of its two builds, elsewhere none does;
    # a per-repetition entry has a time per operation in (0, 1000 s] unless it is an error (a
    # worker that hung or crashed before a window), and one repetition index per cell and build.
    ab = doc["context"].get("lfbench_ab")
    builds = [b["name"] for b in ab["builds"]] if ab else []
    if ab and builds[0] == builds[1]:
        raise BadInput(f"{path}: context.lfbench_ab.builds names '{builds[0]}' twice; "
                       "allowed: two different build names")
    seen = set()
    for i, e in enumerate(doc["benchmarks"]):
        build = e["lfbench"].get("build")
        if ab and build not in builds:
            raise BadInput(f"{path}: benchmarks[{i}].lfbench.build {build!r} is not a build of this file; "
                           f"allowed: {', '.join(builds)}")
        if not ab and build is not None:
            raise BadInput(f"{path}: benchmarks[{i}].lfbench.build '{build}' outside an A/B file; "
                           "allowed: only with context.lfbench_ab")
        if e["run_type"] == "aggregate":
            continue
        if e.get("error_occurred") is not True and not 0 < e["real_time"] <= 1e12:
            raise BadInput(f"{path}: benchmarks[{i}].real_time is {e['real_time']}; "
                           "allowed: a positive time per op below 1000 s")
        key = (cell_key(e["lfbench"]), e.get("repetition_index", -1))
        if key in seen:
            build_text = f" of build '{build}'" if build else ""
            raise BadInput(f"{path}: duplicate cell '{e['lfbench']['id']}'{build_text} repetition {key[1]} (benchmarks[{i}])")
        seen.add(key)
    if not seen:
        raise BadInput(f"{path}: empty results (no benchmarks in the file)")
    return doc


def at_build(name, build):
    """name@build in an A/B file (each build measures every cell), name elsewhere: the one place
    the Python side makes a cell's key (cell_key) or a series' label (cells), as lfbench's own
    readers make the id@build key."""
    return f"{name}@{build}" if build else name


def cell_key(lf):
    """The key of a cell (an entry's `lfbench` object) within one results file: its id@build."""
    return at_build(lf["id"], lf.get("build"))


def params_key(params):
    return tuple(sorted((params or {}).items()))


def pk_order(key):
    """A sort key for params keys whose values mix integers and strings (which do not compare)."""
    return tuple((k, isinstance(v, str), v) for k, v in key)


def params_label(key):
    return ", ".join(f"{k}={v}" for k, v in key) if key else "defaults"


# Parameters that configure a primitive rather than the workload, whatever else a file holds:
# always part of the primitive's label, so that the same run reads the same in every file.
PRIMITIVE_PARAMS = {"shards"}


def split_label(label):
    """(primitive id, {own param: value text}) of a label such as sharded_mutex_map[shards=64]."""
    if not label.endswith("]") or "[" not in label:
        return label, {}
    base, own = label[:-1].split("[", 1)
    return base, dict(kv.split("=", 1) for kv in own.split(",") if "=" in kv)


_CELLS = {}


def cells(doc):
    """{(scenario, params_key, threads): {primitive label: sample}} from one results dict
    (computed once per dict: every view of the report reads it).

    A sample: ops (per-repetition ops/s), median/min/max ops/s, flags, ok, detail, latency_ns,
    fairness, fairness_cpu, metrics, op_kinds (from the median aggregate or, lacking it, the
    first repetition), base (the primitive id) and own (its configuring parameters)."""
    hit = _CELLS.get(id(doc))
    if hit is not None and hit[0] is doc:
        _CELLS[id(doc)] = _CELLS.pop(id(doc))  # most recently used last
        return hit[1]
    # A parameter that some primitives of a scenario ignore (the map's shards) configures the
    # primitives that take it rather than the workload: it goes into their label, so that
    # sharded_mutex_map[shards=64] competes in the same workload cell as mutex_map.
    entries = [b["lfbench"] for b in doc["benchmarks"] if isinstance(b.get("lfbench"), dict)]
    common = {}
    for lf in entries:
        names = set((lf.get("params") or {}).keys()) - PRIMITIVE_PARAMS
        common[lf["scenario"]] = common.get(lf["scenario"], names) & names
    out = {}
    for b in doc["benchmarks"]:
        lf = b.get("lfbench")
        if not isinstance(lf, dict):
            continue
        params = lf.get("params") or {}
        shared = {k: v for k, v in params.items() if k in common[lf["scenario"]]}
        own = {k: v for k, v in sorted(params.items()) if k not in shared}
        label = lf["primitive"] + ("[" + ",".join(f"{k}={v}" for k, v in own.items()) + "]" if own else "")
        label = at_build(label, lf.get("build"))  # an A/B file (run --ab): each build is a series of its own
        key = (lf["scenario"], params_key(shared), int(lf["threads"]))
        s = out.setdefault(key, {}).setdefault(label, {
            "ops": [], "flags": set(), "ok": True, "detail": "", "entry": None, "stats": lf.get("stats", {}),
            "base": lf["primitive"], "own": own})
        s["flags"].update(lf.get("flags", []))
        # How far apart its threads ran (a distance class of calibration.c2c_by_distance).
        span = (lf.get("placement") or {}).get("span") if isinstance(lf.get("placement"), dict) else None
        if isinstance(span, str):
            s["span"] = span
        ver = lf.get("verification", {})
        repetition = b.get("run_type", "iteration") == "iteration"
        s["repetitions"] = s.get("repetitions", 0) + repetition
        if not ver.get("ok", True):
            s["ok"] = False
            s["detail"] = s["detail"] or ver.get("detail", "")
            # The oracle's own verdict, apart from the flags (what a correctness question reports):
            # in how many repetitions it failed, and its first reason.
            s["verify_failed"] = s.get("verify_failed", 0) + repetition
            s.setdefault("verify_detail", str(ver.get("detail", "")))
        tsan = ver.get("tsan") or {}
        if tsan.get("status") == "failed":  # lfbench verify of this build (run --verified-by)
            s["tsan_failed"] = tsan.get("detail", "")
        if b.get("run_type", "iteration") == "iteration":
            s["ops"].append(float(lf["ops_per_sec"]))
            s["entry"] = s["entry"] or lf
        elif b.get("aggregate_name") == "median" or lf.get("aggregate") == "median":
            s["median_entry"] = lf
    for prims in out.values():
        for s in prims.values():
            if "invalid" in s["flags"]:
                s["ok"] = False
            if "tsan_failed" in s:  # passed the oracle here, failed happens-before: never ranked
                s["ok"] = False
                s["tsan_detail"] = str(s.pop("tsan_failed"))
                s["detail"] = "failed lfbench verify (ThreadSanitizer): " + s["tsan_detail"]
            # A paced writer or reader that made under ten events in a window: its figures rest on
            # a handful of events (lfbench's `underpaced` rule, results.cpp): shown, never ranked.
            if "underpaced" in s["flags"] and s["ok"]:
                s["ok"] = False
                s["underpaced"] = True  # out of this cell only: nothing wrong with the primitive
                s["detail"] = "underpaced: its paced thread made fewer than 10 events in a window (the window is too short for its rate)"
            s.setdefault("verify_failed", 0)
            s.setdefault("verify_detail", "")
            if s["verify_detail"] and not s["verify_failed"]:  # failed in an aggregate entry only
                s["verify_failed"] = 1
            s["known_broken"] = "known_broken" in s["flags"]
            if s["known_broken"]:  # kept to show an oracle catching it: never ranked
                s["ok"] = False
                s["detail"] = "known broken (measured only to show its scenario's oracle catching it)" + (
                    ": " + s["detail"] if s["detail"] else "")
            st = s["stats"].get("ops_per_sec", {})
            if not s["ops"] and "median" in st:  # a file with aggregates only
                s["ops"] = [st["median"]]
            ops = s["ops"] or [0.0]
            s["median"] = statistics.median(ops)
            s["min"], s["max"] = min(ops), max(ops)
            e = s.pop("median_entry", None) or s["entry"] or {}
            for k in ("latency_ns", "fairness", "fairness_cpu", "metrics", "op_kinds"):
                s[k] = e.get(k)
            s.pop("entry")
            s["flags"] = sorted(s["flags"])
    while len(_CELLS) >= 16:  # a few files per report, and each case question's cells; the fuzzer loads thousands
        _CELLS.pop(next(iter(_CELLS)))  # the least recently used
    _CELLS[id(doc)] = (doc, out)
    return out


def contention(threads, cpus):
    if threads <= 1:
        return "uncontended"
    return "oversubscribed" if cpus and threads > cpus else "contended"


def logical_cpus(doc):
    c = doc["context"]
    return c.get("lfbench_logical_cpus") or c.get("num_cpus")


def file_label(doc):
    """host · date, preceded by the file's name when main recorded it (doc["_file"]): headings and
    legends of several files must say which is which. Each piece one bounded line (one_line): the
    host and the date are the file's own text, the name is the command line's."""
    c = doc["context"]
    host = one_line(c.get("lfbench_host") or c.get("host_name", "?"), TITLE_CHARS)
    text = f"{host} · {one_line(str(c.get('date', '?'))[:16].replace('T', ' '))}"
    return f"{one_line(doc['_file'], TITLE_CHARS)} ({text})" if doc.get("_file") else text



def finite(x):
    """x with every float that is not finite replaced by None: JSON has no NaN or Infinity, so
    recommendations.json states such a figure as null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return x



def environment(doc):
    c = doc["context"]
    cal = c.get("lfbench_calibration") or {}
    items = [("host", c.get("lfbench_host") or c.get("host_name")), ("date", c.get("date")),
             ("CPU", c.get("lfbench_cpu_model")), ("logical CPUs", c.get("lfbench_logical_cpus") or c.get("num_cpus")),
             ("topology", c.get("lfbench_topology")), ("kernel", c.get("lfbench_kernel")),
             ("virtualised", c.get("lfbench_virtualized")), ("compiler", c.get("lfbench_compiler")),
             ("build type", c.get("lfbench_build_type")), ("lfbench", f"{c.get('lfbench_version')} ({c.get('lfbench_git_sha')})"),
             ("libraries", c.get("lfbench_libraries")), ("load average at start", c.get("lfbench_load_avg")),
             ("pinning", c.get("lfbench_pin")), ("command", " ".join(c.get("lfbench_command_line") or [])),
             ("incomplete run", c.get("lfbench_incomplete")),
             ("calibration: core-to-core round trip", f"{cal.get('c2c_round_trip_ns')} ns (p10 {cal.get('c2c_p10_ns')}, "
                                                      f"p90 {cal.get('c2c_p90_ns')}{', BIMODAL' if cal.get('c2c_bimodal') else ''})"),
             ("calibration: uncontended atomic RMW", f"{cal.get('atomic_rmw_ns')} ns"),
             ("calibration: timer cost", f"{cal.get('timer_ns')} ns")]
    if c.get("library_build_type") == "debug":
        items.append(("note", "Google Benchmark's library is a debug build here; lfbench times its own windows, "
                              "so the figures are unaffected."))
    return [(k, one_line(v if isinstance(v, str) else json.dumps(v), TABLE_CHARS)) for k, v in items if v is not None]



# Where outside text (a message, or the results file's own: host, CPU model, command line, a
# scenario's measure titles) is drawn, it goes through one_line at one of these lengths: a title
# or legend piece of 9,000 characters overflows matplotlib's rasteriser, and a page's heading or
# table cell of that size is unreadable anyway.
TITLE_CHARS = 80
TABLE_CHARS = 500  # a value in the environment table (a command line, a topology)


def one_line(text, limit=1000):
    """text as one line of at most limit characters (None: uncut): control and other unprintable
    characters (newlines, bidi overrides) escaped as \\n, \\u202e, ..., a longer text cut with "..."."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return text if limit is None or len(text) <= limit else text[:max(limit - 3, 0)] + "..."
