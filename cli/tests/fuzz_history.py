"""Fuzzing the history database's reader (`lfbench history check/show/export`): a database is a
file a user keeps for years, copies between machines and may find damaged.

A mutated database must give exit 0, 1 or 4 (an answer), or exit 2 with one line (a damaged
database, or a selection it cannot serve); never a crash, a sanitizer report, an uncaught exception (exit 3 "error:"), a hang,
or a change to the file (check, show and export open it read-only).

  /usr/bin/python3 cli/tests/fuzz_history.py SECONDS   (ci/fuzz-all; LFBENCH_BIN = the binary,
                                                        best the AddressSanitizer build)

Two mutators over a fresh seed of ten runs (enough for a change-point scan): bytes (bit flips,
overwritten ranges, zeroed or swapped pages, truncation: SQLite's own reader) and rows (values
replaced by hostile ones of any type, rows deleted or duplicated, the schema version changed:
lfbench's reading of what SQLite returns). A failing input is kept in
cli/tests/fuzz_regressions/history/. Prints "fuzz history: N inputs in S s, K crashes".
"""
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "base.json"
REGRESSIONS = HERE / "fuzz_regressions" / "history"
LFBENCH = os.environ.get("LFBENCH_BIN", str(HERE.parents[1] / "build" / "cli" / "lfbench"))
POOL = [0, -1, 1, 2, 7, 1.5, -0.0, 1e308, -1e308, float("inf"), float("nan"), 2 ** 63 - 1, -2 ** 63, "", "x",
        "a\nb", "\u00e9", "counter/std_mutex/read_pct:0/threads:1", "*", "1", "2026-13-45", "1970-01-01T00:00:00+00:00",
        "s" * 5000, None, b"\x00\xff", b""]
COMMANDS = [["check"], ["check", "--relative-to", "std_mutex"], ["show"], ["show", "--runs"],
            ["export", "--format", "otava-csv"], ["export", "--format", "bencher"]]
TIMEOUT = 60


def make_seed(tmp):
    """Ten runs of the compare fixture, each a day later, the last four 20% slower (a change)."""
    doc = json.loads(FIXTURE.read_text())
    db = tmp / "seed.db"
    for i in range(10):
        d = json.loads(json.dumps(doc))
        d["context"]["date"] = f"2026-01-{i + 1:02d}T00:00:00+00:00"
        for b in d["benchmarks"]:
            for k in ("real_time", "cpu_time"):
                if k in b:
                    b[k] *= (1.2 if i >= 6 else 1.0) * (1 + 0.003 * ((i * 7 + len(b["name"])) % 5))
        f = tmp / f"run{i}.json"
        f.write_text(json.dumps(d))
        r = subprocess.run([LFBENCH, "history", "add", "--db", str(db), "--commit", f"c{i}", str(f)],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
    # One file, no write-ahead log beside it: what a user copies.
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return db.read_bytes()


def mutate_bytes(data, rng):
    b = bytearray(data)
    page = 4096
    op = rng.randrange(5)
    if op == 0:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif op == 1:
        i = rng.randrange(len(b))
        n = rng.randint(1, 64)
        b[i:i + n] = bytes(rng.randrange(256) for _ in range(n))
    elif op == 2:
        p = rng.randrange(len(b) // page)
        b[p * page:(p + 1) * page] = bytes(page)
    elif op == 3 and len(b) >= 2 * page:
        p, q = rng.sample(range(len(b) // page), 2)
        b[p * page:(p + 1) * page], b[q * page:(q + 1) * page] = b[q * page:(q + 1) * page], b[p * page:(p + 1) * page]
    else:
        del b[rng.randrange(len(b)):]
    return bytes(b)


def mutate_rows(path, rng):
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for _ in range(rng.randint(1, 4)):
            t = rng.choice(tables)
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
            op = rng.randrange(4)
            try:
                if op == 0:
                    c = rng.choice(cols)
                    con.execute(f"UPDATE {t} SET {c} = ? WHERE rowid IN (SELECT rowid FROM {t} ORDER BY random() LIMIT ?)"
                                if t not in ("meta", "windows") else
                                f"UPDATE {t} SET {c} = ? WHERE random() % ? = 0", (rng.choice(POOL), rng.randint(1, 3)))
                elif op == 1:
                    con.execute(f"DELETE FROM {t} WHERE random() % ? = 0", (rng.randint(1, 4),))
                elif op == 2:
                    con.execute("UPDATE meta SET value = ? WHERE key = (SELECT key FROM meta ORDER BY random() LIMIT 1)",
                                (str(rng.choice(POOL)),))
                else:
                    con.execute(f"PRAGMA user_version = {rng.choice([0, 1, 2, -1, 99])}")
            except sqlite3.Error:
                pass  # a constraint said no: the next mutation
        con.commit()
    finally:
        con.close()


def failure(rc, err):
    """Why this outcome is a failure, or None."""
    if rc < 0:
        return f"killed by signal {-rc}"
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "terminate called", "Traceback"):
        if bad in err:
            return bad
    if rc == 2:
        lines = err.strip().splitlines()
        if len(lines) != 1:
            return f"exit 2 with {len(lines)} lines"
        return None
    if rc in (0, 1, 4):
        return None
    return f"exit {rc}: {err.strip()[:300]}"


def one(db, cmd):
    before = hashlib.sha256(db.read_bytes()).digest()
    try:
        r = subprocess.run([LFBENCH, "history", *cmd, "--db", str(db)], capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT, cwd=db.parent)
    except subprocess.TimeoutExpired:
        return "hang", ""
    why = failure(r.returncode, r.stderr)
    if why is None and hashlib.sha256(db.read_bytes()).digest() != before:
        why = "a read-only command changed the database"
    return why, r.stderr


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        seed = make_seed(tmp)
        rng = random.Random(int(os.environ.get("LFBENCH_FUZZ_SEED", time.time_ns())))
        inputs = crashes = 0
        cases = sorted(REGRESSIONS.glob("*.db")) if REGRESSIONS.is_dir() else []
        while cases or time.monotonic() - start < seconds:
            db = tmp / "h.db"
            for extra in ("-wal", "-shm", "-journal"):
                Path(str(db) + extra).unlink(missing_ok=True)
            if cases:
                db.write_bytes(cases.pop(0).read_bytes())
            else:
                db.write_bytes(seed)
                if rng.random() < 0.5:
                    mutate_rows(db, rng)
                else:
                    db.write_bytes(mutate_bytes(seed, rng))
            data = db.read_bytes()
            cmd = rng.choice(COMMANDS)
            inputs += 1
            why, err = one(db, cmd)
            if why:
                crashes += 1
                REGRESSIONS.mkdir(parents=True, exist_ok=True)
                kept = REGRESSIONS / f"{hashlib.sha256(data).hexdigest()[:16]}.db"
                kept.write_bytes(data)
                print(f"fuzz history: {' '.join(cmd)}: {why} (kept {kept})\n{err[-2000:]}", file=sys.stderr)
    print(f"fuzz history: {inputs} inputs in {time.monotonic() - start:.0f} s, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
