"""Live cross-check of `simpul pattern` against the OASIS reference tools.

Fresh input every run (seeded; the seed is printed, SIMPUL_PATTERN_SEED
replays one):

1. validity: patterns from stix2-generator, plus character-level mutations
   of them, through stix2-patterns (2.1) and `simpul pattern check --jsonl`;
2. matching: random SCOs from stix2-generator's object generator, packed in
   observed-data bundles, against (a) generator patterns and (b) patterns
   derived from the observed values (so that matches happen), through
   stix2-matcher (2.1) and `simpul pattern match --jsonl`.

Any disagreement fails. Usage: pattern_crosscheck.py SIMPUL_BIN [N]
"""

import datetime
import json
import os
import random
import subprocess
import sys

import stix2generator
from stix2generator.generation.pattern_generator import PatternGenerator
from stix2matcher.matcher import match as ref_match
from stix2patterns.exceptions import ParseException
from stix2patterns.validator import run_validator

MUTATION_CHARS = "[]()':=<>!,. -_*aAZ09tbh\\"


def mutate(rng, p):
    """A random small edit of a pattern, mostly yielding invalid ones."""
    p = list(p)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        i = rng.randrange(len(p) + 1)
        if op < 0.4 and p:
            del p[min(i, len(p) - 1)]
        elif op < 0.8:
            p.insert(i, rng.choice(MUTATION_CHARS))
        elif p:
            j = rng.randrange(len(p))
            p[min(i, len(p) - 1)], p[j] = p[j], p[min(i, len(p) - 1)]
    return "".join(p)


def ref_valid(p):
    try:
        return "valid" if not run_validator(p, "2.1") else "invalid"
    except Exception:  # the reference crashes on a few inputs; not comparable
        return None


def ref_outcome(pattern, observed):
    try:
        return "match" if ref_match(pattern, observed, stix_version="2.1") else "nomatch"
    except ParseException:
        return "parse_error"
    except Exception:
        return "matcher_error"


def run_simpul(bin_, args, lines):
    proc = subprocess.run(
        [bin_, "pattern"] + args + ["--jsonl"],
        input="".join(json.dumps(x) + "\n" for x in lines),
        capture_output=True, text=True, check=False,
    )
    out = [json.loads(l) for l in proc.stdout.splitlines()]
    if len(out) != len(lines):
        sys.exit("simpul returned %d lines for %d inputs: %s" % (len(out), len(lines), proc.stderr))
    return out


def quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def literal(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if "e" not in repr(v) else None
    if isinstance(v, str):
        if len(v) > 20 and v[4:5] == "-" and v.endswith("Z") and "T" in v:
            return "t" + quote(v)
        return quote(v)
    return None


def scalar_paths(obj, prefix, depth=0):
    """(path, value) pairs for scalar values inside an object."""
    if depth > 3:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("id", "type", "spec_version") or k.endswith("_ref") or k.endswith("_refs") \
                    or k.endswith("_hex") or k.endswith("_bin"):
                continue
            key = k if k.replace("_", "a").isalnum() and not k[0].isdigit() else quote(k)
            yield from scalar_paths(v, prefix + ("." if prefix else "") + key, depth + 1)
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            yield from scalar_paths(v, prefix + "[%d]" % i, depth + 1)
            yield from scalar_paths(v, prefix + "[*]", depth + 1)
    else:
        yield prefix, obj


def derived_pattern(rng, objects):
    """A pattern built from observed values, with random operators and structure."""
    def comparison():
        o = rng.choice(objects)
        paths = list(scalar_paths(o, ""))
        if not paths:
            return None
        path, v = rng.choice(paths)
        lit = literal(v)
        if lit is None:
            return None
        ops = ["=", "!=", "<=", ">", "IN"] if not isinstance(v, bool) else ["=", "!=", "IN"]
        if isinstance(v, str) and not lit.startswith("t"):
            ops += ["LIKE", "MATCHES"]
        op = rng.choice(ops)
        r = rng.random()
        if r < 0.05 and isinstance(v, str):
            lit = "t'2020-01-01T00:00:00Z'"  # a timestamp against a non-timestamp string
        elif r < 0.08:
            op, lit = "IN", "(%s, 'x', 1)" % lit  # a mixed list
        neg = "NOT " if rng.random() < 0.15 else ""
        if op == "IN" and not lit.startswith("("):
            lit = "(" + lit + ")"
        elif op == "LIKE":
            lit = quote(v[: rng.randint(0, len(v))].replace("%", "").replace("_", "") + "%")
        elif op == "MATCHES":
            prefix = v[: rng.randint(0, len(v))]
            if rng.random() < 0.5:  # literal-and-dot expressions (simpul's direct matcher)
                lit = quote("^" + "".join(c if c.isalnum() else "." for c in prefix))
            else:  # classes, repetition, anchors (the regex engine)
                lit = quote("".join("\\d" if c.isdigit() else "[A-Za-z]" if c.isalpha() else "\\" + c
                                    if c in ".-/@:" else "." for c in prefix) + rng.choice(["", ".*", "$", "+?"]))
        return "%s:%s %s%s %s" % (o["type"], path, neg, op, lit)

    def observation():
        parts = [c for c in (comparison() for _ in range(rng.randint(1, 2))) if c]
        if not parts:
            return None
        return "[" + (" AND " if rng.random() < 0.5 else " OR ").join(parts) + "]"

    obs = [o for o in (observation() for _ in range(rng.randint(1, 3))) if o]
    if not obs:
        return None
    p = obs[0]
    for o in obs[1:]:
        p = "%s %s %s" % (p, rng.choice(["AND", "OR", "FOLLOWEDBY"]), o)
    r = rng.random()
    if r < 0.15:
        p = "(%s) WITHIN %d SECONDS" % (p, rng.randint(1, 400))
    elif r < 0.25:
        p = "(%s) REPEATS %d TIMES" % (p, rng.randint(1, 3))
    elif r < 0.3:
        p = "(%s) START t'2019-12-31T23:00:00Z' STOP t'2020-01-01T00:05:00Z'" % p
    return p


def clamp_ints(v):
    """serde_json reads integers beyond 64 bits as floats (simpul does not enable
    arbitrary precision; see crates/pattern/conformance-differences.md), so keep
    generated integers within 2^53 where both sides are exact."""
    if isinstance(v, dict):
        return {k: clamp_ints(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clamp_ints(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
        return v % 2**53
    return v


def observations(rng, og, types):
    """One bundle: observed-data over generated SCOs and the objects they refer to."""
    base = datetime.datetime(2020, 1, 1)
    objects, ods = [], []
    for _ in range(rng.randint(1, 4)):
        scos = []
        for t in rng.sample(types, min(len(types), rng.randint(1, 3))):
            try:
                o = clamp_ints(og.generate(t))
            except Exception:
                continue
            scos.append(o)
            for k, v in list(o.items()):
                if k.endswith("_ref") and isinstance(v, str):
                    try:
                        scos.append(dict(clamp_ints(og.generate(v.split("--")[0])), id=v))
                    except Exception:
                        pass
        if not scos:
            continue
        first = base + datetime.timedelta(seconds=rng.randint(0, 300))
        last = first + datetime.timedelta(seconds=rng.choice([0, 0, 5, 60]))
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        ods.append({
            "type": "observed-data", "id": "observed-data--%032x" % rng.getrandbits(128),
            "spec_version": "2.1", "number_observed": rng.choice([1, 1, 2]),
            "first_observed": first.strftime(fmt), "last_observed": last.strftime(fmt),
            "object_refs": [o["id"] for o in scos],
        })
        objects.extend(scos)
    return [{"type": "bundle", "id": "bundle--%032x" % rng.getrandbits(128), "objects": ods + objects}], objects


def main():
    bin_ = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(os.environ.get("SIMPUL_PATTERN_SEED", random.SystemRandom().randrange(2**31)))
    rng = random.Random(seed)
    random.seed(seed)  # the generators use the global RNG
    og = stix2generator.create_object_generator(stix_version="2.1")
    pg = PatternGenerator(og, "2.1")

    # 1. validity
    patterns = []
    for _ in range(n):
        p = pg.generate()
        patterns.append(p)
        patterns.append(mutate(rng, p))
    refs = [ref_valid(p) for p in patterns]
    ours = run_simpul(bin_, ["check"], patterns)
    bad, compared, valid = [], 0, 0
    for p, r, o in zip(patterns, refs, ours):
        if r is None:
            continue
        compared += 1
        mine = "valid" if o.get("valid") else "invalid"
        valid += mine == "valid"
        if mine != r:
            bad.append("check %r: reference %s, simpul %s %s" % (p, r, mine, o.get("error", "")))

    # 2. matching
    sco_types = ["ipv4-addr", "ipv6-addr", "domain-name", "url", "file", "email-addr", "mac-addr",
                 "network-traffic", "process", "user-account", "windows-registry-key", "mutex",
                 "software", "autonomous-system", "directory", "x509-certificate", "artifact"]
    reqs, counts = [], {"match": 0, "nomatch": 0, "parse_error": 0, "matcher_error": 0}
    for i in range(n):
        observed, objs = observations(rng, og, sco_types)
        p = pg.generate() if i % 3 == 0 else derived_pattern(rng, objs)
        if p and i % 7 == 6:
            p = mutate(rng, p)
        if p:
            reqs.append({"pattern": p, "observed": observed, "stix_version": "2.1"})
    ref_out = [ref_outcome(r["pattern"], r["observed"]) for r in reqs]
    ours = run_simpul(bin_, ["match"], reqs)
    for req, r, o in zip(reqs, ref_out, ours):
        counts[r] += 1
        if "match" in o:
            mine = "match" if o["match"] else "nomatch"
        else:
            mine = "parse_error" if o.get("kind") == "parse" else "matcher_error"
        if mine != r:
            bad.append("match %r on %s: reference %s, simpul %s %s" % (
                req["pattern"], json.dumps(req["observed"])[:3000], r, mine, o.get("error", "")))

    for b in bad[:20]:
        print(b)
    total = compared + len(reqs)
    print("pattern cross-check (seed %d): %d patterns checked (%d valid), %d matched (%s), %d disagree"
          % (seed, compared, valid, len(reqs), ", ".join("%s %d" % kv for kv in counts.items()), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
