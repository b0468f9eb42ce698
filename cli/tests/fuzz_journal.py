"""Fuzzing `lfbench run --resume JOURNAL`, the reader of the one file lfbench writes for itself
and reads back (a journal may be edited, truncated, or not lfbench's at all).

A mutated journal must end in exit 2 with one line naming what is wrong, or in a resumed run
(exit 0, or 1 when a replayed window had failed verification) that writes a results file;
never a crash, a sanitizer report, an uncaught exception (exit 3 "error:"), or a hang.

  /usr/bin/python3 cli/tests/fuzz_journal.py SECONDS   (ci/fuzz-all; LFBENCH_BIN = the binary,
                                                        best the AddressSanitizer build)

Seeds are made fresh (a journal names the build that wrote it): a run killed with SIGKILL once
its journal holds a few windows. Inputs that failed are kept in
cli/tests/fuzz_regressions/journal/ and replayed first, with the header's build identity
replaced by this build's. Prints "fuzz journal: N inputs in S s, K crashes".
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from json_mutations import mutate_bytes, mutate_doc  # noqa: E402

HERE = Path(__file__).resolve().parent
REGRESSIONS = HERE / "fuzz_regressions" / "journal"
LFBENCH = os.environ.get("LFBENCH_BIN", str(HERE.parents[1] / "build" / "cli" / "lfbench"))
POOL = [0, -1, 1, 2, 3, 1.5, -0.0, 1e18, 1e19, 2 ** 63, 2 ** 64, 1e-300, 1e308, "", "x", "a\nb", "\u00e9",
        "counter", "atomic_relaxed", "std_mutex", "queue", "spsc_ring", "1:1", "4:4", "read_pct", "0", "100",
        "1000", None, True, False, [], {}, [1, "a"], {"k": 1}, "s" * 300, [0.0], [[0, 1]], ["read_pct", "10"]]
TIMEOUT = 60  # a resumed cell of the seed plan takes well under a second


def make_seed(tmp, ab=False):
    """A journal of a killed run: four cells, three windows each, some of them finished; with
    ab, of an A/B run (run --ab) of this binary twice: its header names the builds."""
    # A relative output: each resumed case writes its own file in its own directory.
    out = "seed-ab.json" if ab else "seed.json"
    cmd = [LFBENCH, "run", "counter", "-t", "1,2", "--primitive", "atomic_relaxed,std_mutex", "--param", "read_pct=0",
           "-d", "10ms", "--warmup", "0ms", "-r", "3", "-o", out, "--pin", "none"]
    if ab:
        cmd += ["--ab", "a=" + LFBENCH, "--ab", "b=" + LFBENCH]
    p = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = tmp / (out + ".journal")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and p.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 4:
            break
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    p.wait()
    lines = journal.read_text().splitlines()
    assert len(lines) >= 2, f"no seed journal: {cmd}"
    return lines


def fnv_hex(data):
    h = 0xcbf29ce484222325
    for c in data:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def dump(doc):
    """As lfbench's JSON library writes it: no spaces, keys sorted, UTF-8 as is."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def seal(lines, plan=True, sums=True):
    """Lines made to fit lfbench's journal format (cli/journal.hpp) after an edit: the header's
    plan_id is its plan's and every record names it (plan), and every line ends in its checksum
    (sums). Without them a mutation is refused at the first line, and nothing deeper is fuzzed."""
    docs = []
    for line in lines:
        try:
            d = json.loads(line)
        except ValueError:
            d = None
        docs.append(d if isinstance(d, dict) else line)
    if plan and docs and isinstance(docs[0], dict) and "plan" in docs[0]:
        pid = fnv_hex(dump(docs[0]["plan"]).encode())
        docs[0]["plan_id"] = pid
        for d in docs[1:]:
            if isinstance(d, dict) and "plan" in d:
                d["plan"] = pid
    out = []
    for d in docs:
        if not isinstance(d, dict) or not sums:
            out.append(d if isinstance(d, str) else dump(d))
            continue
        d.pop("sum", None)
        body = dump(d)
        out.append(body[:-1] + ',"sum":"' + fnv_hex(body.encode()) + '"}')
    return out


def mutate_line(rng, line):
    try:
        doc = json.loads(line)
    except ValueError:
        return line
    # The build identity is left alone most of the time: a changed one is refused at once.
    keep_binary = rng.random() >= 0.05
    return dump(mutate_doc(rng, doc, POOL, rng.randint(1, 3),
                           keep=lambda path: path[:1] == ("sum",) or (keep_binary and path[:1] == ("binary",))))


def mutate(rng, lines):
    lines = list(lines)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        i = rng.randrange(len(lines))
        if op < 0.6:
            lines[i] = mutate_line(rng, lines[i])
        elif op < 0.7:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op < 0.8 and len(lines) > 1:
            del lines[i]
        elif op < 0.9:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    # Most of the time the plan id and checksums are made to fit, so the content is what is read.
    lines = seal(lines, plan=rng.random() >= 0.05, sums=rng.random() >= 0.05)
    data = ("\n".join(lines) + "\n").encode()
    if rng.random() < 0.15:
        data = mutate_bytes(rng, data, [b"[", b"{", b'"', b"\n", b"-", b"9" * 40, b"\\u0000", b"\xff"], rng.randint(1, 6))
    if rng.random() < 0.05:
        data = data[:rng.randrange(len(data) + 1)]  # a crash mid-write
    return data


OUTCOMES = {"resumed": 0, "refused": 0}


def problem(data, tmp):
    """None if lfbench handled the journal as it must, else what went wrong."""
    run = tmp / "case"
    run.mkdir()
    journal = run / "t.json.journal"
    journal.write_bytes(data)
    try:
        p = subprocess.run([LFBENCH, "run", "--resume", str(journal)], cwd=run, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"no answer within {TIMEOUT} s"
    err = p.stderr.decode(errors="replace")
    if any(s in err for s in ("Sanitizer", "runtime error", "terminate called", "Assertion")):
        return "sanitizer or abort: " + err[-600:]
    OUTCOMES["refused" if p.returncode == 2 else "resumed"] += 1
    if p.returncode == 2:
        bad = [l for l in err.splitlines() if not l.startswith("lfbench: ")]
        refusals = [l for l in err.splitlines() if l.startswith("lfbench: ")]
        if bad or len(refusals) != 1:
            return "exit 2 without exactly one 'lfbench: ' line: " + err[-600:]
    elif p.returncode in (0, 1):
        pass  # a resumed run; where it wrote is the header's business (a path it may name)
    else:
        return f"exit {p.returncode}: " + err[-600:]
    return None


def with_identity(data, binary):
    """A kept input, made to name this build (else it is refused before anything is read), its
    checksums made to fit."""
    lines = data.decode(errors="replace").split("\n")
    try:
        h = json.loads(lines[0])
        if isinstance(h, dict) and "binary" in h:
            h["binary"] = binary
            lines[0] = dump(h)
    except ValueError:
        pass
    return "\n".join(seal(lines)).encode()


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    start = time.monotonic()
    rng = random.Random(int(os.environ.get("LFBENCH_FUZZ_SEED", time.time_ns())))
    runs = crashes = 0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        seeds = [make_seed(tmp), make_seed(tmp, ab=True)]
        binary = json.loads(seeds[0][0])["binary"]
        inputs = [with_identity(f.read_bytes(), binary) for f in sorted(REGRESSIONS.glob("*"))] if REGRESSIONS.exists() else []
        inputs += [("\n".join(seed) + "\n").encode() for seed in seeds]  # the seeds themselves must resume
        n = 0
        while inputs or time.monotonic() - start < seconds:
            data = inputs.pop(0) if inputs else mutate(rng, rng.choice(seeds))
            case = tmp / f"c{n}"
            case.mkdir()
            n += 1
            why = problem(data, case)
            runs += 1
            if why:
                crashes += 1
                REGRESSIONS.mkdir(parents=True, exist_ok=True)
                f = REGRESSIONS / f"crash-{hashlib.sha1(data).hexdigest()[:16]}.journal"
                f.write_bytes(data)
                print(f"fuzz journal: {why.splitlines()[0] if why else ''} (kept in {f})", file=sys.stderr)
            subprocess.run(["rm", "-rf", str(case)])
    print(f"fuzz journal: {runs} inputs in {time.monotonic() - start:.0f} s, {crashes} crashes "
          f"({OUTCOMES['resumed']} resumed, {OUTCOMES['refused']} refused)")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
