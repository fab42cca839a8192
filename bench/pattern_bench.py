"""stix2-matcher vs simpul on the same pattern/observation cases, in one run.

Usage: pattern_bench.py SIMPUL_BIN WORKDIR
Prints calls/s and evaluations/s for both and the ratios.
"""

import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".ci"))
import pattern_crosscheck as cc  # noqa: E402

import stix2generator  # noqa: E402
from stix2generator.generation.pattern_generator import PatternGenerator  # noqa: E402
from stix2matcher.matcher import Pattern, match  # noqa: E402

SCO_TYPES = ["ipv4-addr", "domain-name", "url", "file", "email-addr", "network-traffic", "process", "user-account"]


def simple_cases(n_obs=200, n_pat=50, seed=7):
    """One observed-data with one SCO per bundle; single-comparison patterns."""
    rng = random.Random(seed)
    types = {"ipv4-addr": "198.51.100.%d", "domain-name": "host%d.example", "url": "http://host%d.example/x"}
    bundles = []
    for i in range(n_obs):
        t = rng.choice(list(types))
        sco = {"type": t, "id": "%s--%032x" % (t, i), "value": types[t] % rng.randrange(100)}
        od = {"type": "observed-data", "id": "observed-data--%032x" % i, "spec_version": "2.1",
              "number_observed": 1, "first_observed": "2020-01-01T00:00:00Z",
              "last_observed": "2020-01-01T00:00:00Z", "object_refs": [sco["id"]]}
        bundles.append({"type": "bundle", "id": "bundle--%032x" % i, "objects": [od, sco]})
    patterns = []
    for i in range(n_pat):
        t = rng.choice(list(types))
        v = types[t] % rng.randrange(100)
        patterns.append(rng.choice([
            "[%s:value = '%s']" % (t, v),
            "[%s:value IN ('%s', '%s')]" % (t, v, types[t] % rng.randrange(100)),
            "[%s:value = '%s' OR %s:value LIKE '%s%%']" % (t, v, t, v[:6]),
        ]))
    return patterns, bundles


def generated_cases(n_obs=40, n_pat=50, seed=7):
    """stix2-generator SCOs in 1-4 observed-data per bundle; generated and derived patterns."""
    rng = random.Random(seed)
    random.seed(seed)
    og = stix2generator.create_object_generator(stix_version="2.1")
    pg = PatternGenerator(og, "2.1")
    bundles, objects = [], []
    for _ in range(n_obs):
        b, objs = cc.observations(rng, og, SCO_TYPES)
        bundles.append(b[0])
        objects.extend(objs)
    patterns = []
    while len(patterns) < n_pat:
        p = pg.generate() if len(patterns) % 4 == 0 else cc.derived_pattern(rng, objects)
        if not p:
            continue
        try:  # keep patterns the reference can evaluate on every bundle
            for b in bundles:
                match(p, [b], stix_version="2.1")
        except Exception:
            continue
        patterns.append(p)
    return patterns, bundles


def rate(n, secs):
    return n / secs if secs > 0 else float("inf")


def measure(name, bin_, work, patterns, bundles, reps_single, reps_batch):
    pairs = [(p, b) for p in patterns for b in bundles]
    print("\n%s: %d patterns x %d observation bundles = %d pairs" % (name, len(patterns), len(bundles), len(pairs)))

    # stix2-matcher, one call per pair: match(pattern, observations).
    t = time.perf_counter()
    ref_single = [bool(match(p, [b], stix_version="2.1")) for p, b in pairs]
    ref_single_rate = rate(len(pairs), time.perf_counter() - t)

    # stix2-matcher batch: patterns compiled once.
    compiled = [Pattern(p, stix_version="2.1") for p in patterns]
    t = time.perf_counter()
    ref_matches = 0
    for b in bundles:
        for c in compiled:
            ref_matches += bool(c.match([b]))
    ref_batch_rate = rate(len(pairs), time.perf_counter() - t)

    # simpul CLI, one JSON line per pair (includes JSON decoding, which the
    # Python figures do not).
    single_path = os.path.join(work, "single.jsonl")
    with open(single_path, "w") as f:
        for _ in range(reps_single):
            for p, b in pairs:
                f.write(json.dumps({"pattern": p, "observed": [b]}) + "\n")
    t = time.perf_counter()
    with open(single_path) as f:
        out = subprocess.run([bin_, "pattern", "match", "--jsonl", "--stix-version", "2.1"], stdin=f,
                             capture_output=True, text=True, check=False).stdout.splitlines()
    cli_rate = rate(len(pairs) * reps_single, time.perf_counter() - t)
    if [json.loads(l).get("match") for l in out[: len(pairs)]] != ref_single:
        sys.exit("simpul and stix2-matcher disagree on the benchmark cases")

    pat_path, obs_path = os.path.join(work, "patterns.txt"), os.path.join(work, "observations.jsonl")
    with open(pat_path, "w") as f:
        f.writelines(json.dumps(p) + "\n" for p in patterns)
    with open(obs_path, "w") as f:
        for _ in range(reps_batch):
            f.writelines(json.dumps(b) + "\n" for b in bundles)

    def batch(extra):
        t = time.perf_counter()
        proc = subprocess.run([bin_, "pattern", "batch", "--stix-version", "2.1"] + extra + [pat_path, obs_path],
                              capture_output=True, text=True, check=False)
        r = rate(len(pairs) * reps_batch, time.perf_counter() - t)
        if len(proc.stdout.splitlines()) != ref_matches * reps_batch:
            sys.exit("batch match counts differ: simpul %d, stix2-matcher %d" % (len(proc.stdout.splitlines()), ref_matches * reps_batch))
        return r

    per_pair_rate = batch(["--per-pair"])
    batch_rate = batch([])

    row = "%-58s %13.0f %13.0f %7.0fx"
    print("%-58s %13s %13s %8s" % ("", "stix2-matcher", "simpul", "ratio"))
    print(row % ("single calls/s (parse pattern + read observations + match)", ref_single_rate, per_pair_rate,
                 per_pair_rate / ref_single_rate))
    print(row % ("single calls/s via CLI --jsonl (+ JSON decoding)", ref_single_rate, cli_rate, cli_rate / ref_single_rate))
    print(row % ("batch evaluations/s (compiled once)", ref_batch_rate, batch_rate, batch_rate / ref_batch_rate))
    print("(%d of %d pairs match)" % (ref_matches, len(pairs)))


def main():
    bin_, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    measure("simple (1 observed-data, 1 SCO; one-comparison patterns)", bin_, work, *simple_cases(), 50, 500)
    measure("generated (stix2-generator SCOs, 1-4 observed-data; generated and derived patterns)", bin_, work,
            *generated_cases(), 20, 300)


if __name__ == "__main__":
    main()
