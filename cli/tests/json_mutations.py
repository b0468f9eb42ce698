"""Structure-aware and byte-level mutations of JSON documents, shared by the fuzzers of every
reader that takes JSON (reports/tests/test_fuzz_report.py, cli/tests/fuzz_journal.py)."""
import json


def nodes(v, path=()):
    yield path, v
    if isinstance(v, dict):
        for k, x in v.items():
            yield from nodes(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from nodes(x, path + (i,))


def set_at(doc, path, value):
    if not path:
        return value
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = value
    return doc


def copy(v):
    return json.loads(json.dumps(v))


def mutate_doc(rng, doc, pool, steps, keep=lambda path: False):
    """`steps` mutations of a copy of doc: a value from pool, a key dropped, a list item copied or
    dropped, a node replaced by another, a number scaled. Nodes where keep(path) are left alone
    (most of the time: a document that is refused at once teaches the fuzzer nothing)."""
    doc = copy(doc)
    for _ in range(steps):
        all_nodes = list(nodes(doc))
        choices = [n for n in all_nodes if not keep(n[0])] or all_nodes
        path, v = rng.choice(choices)
        op = rng.random()
        if op < 0.45:
            doc = set_at(doc, path, copy(rng.choice(pool)))
        elif op < 0.6 and isinstance(v, dict) and v:
            v.pop(rng.choice(sorted(v)))
        elif op < 0.7 and isinstance(v, list) and v:
            v.append(copy(rng.choice(v)))
        elif op < 0.8 and isinstance(v, list) and v:
            del v[rng.randrange(len(v))]
        elif op < 0.9:
            _, other = rng.choice(all_nodes)
            doc = set_at(doc, path, copy(other))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            doc = set_at(doc, path, v * rng.choice([-1, 0, 1e6, 1e-6, 10 ** 20]))
    return doc


def mutate_bytes(rng, data, tokens, steps):
    """`steps` byte-level edits: a byte overwritten, a token inserted, a run deleted."""
    data = bytearray(data)
    for _ in range(steps):
        i = rng.randrange(len(data) + 1)
        choice = rng.random()
        if choice < 0.4 and data:
            data[min(i, len(data) - 1)] = rng.randrange(256)
        elif choice < 0.8:
            data[i:i] = rng.choice(tokens)
        else:
            del data[i:i + rng.randint(1, 64)]
    return bytes(data)
