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


def cases(n_obs=40, n_pat=50, seed=7):
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


def main():
    bin_, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    patterns, bundles = cases()
    pairs = [(p, b) for p in patterns for b in bundles]
    print("cases: %d patterns x %d observation bundles = %d pairs" % (len(patterns), len(bundles), len(pairs)))

    # Single calls: parse pattern + read observations + match, per pair.
    t = time.perf_counter()
    ref_single = [bool(match(p, [b], stix_version="2.1")) for p, b in pairs]
    ref_single_rate = rate(len(pairs), time.perf_counter() - t)

    reps = 100
    single_path = os.path.join(work, "single.jsonl")
    with open(single_path, "w") as f:
        for _ in range(reps):
            for p, b in pairs:
                f.write(json.dumps({"pattern": p, "observed": [b]}) + "\n")
    t = time.perf_counter()
    with open(single_path) as f:
        out = subprocess.run([bin_, "pattern", "match", "--jsonl", "--stix-version", "2.1"], stdin=f,
                             capture_output=True, text=True, check=False).stdout.splitlines()
    ours_single_rate = rate(len(pairs) * reps, time.perf_counter() - t)
    ours_first = [json.loads(l).get("match") for l in out[: len(pairs)]]
    if ours_first != ref_single:
        sys.exit("simpul and stix2-matcher disagree on the benchmark cases")

    # Batch: patterns compiled once, observations read once, every pair evaluated.
    compiled = [Pattern(p, stix_version="2.1") for p in patterns]
    t = time.perf_counter()
    ref_batch_matches = 0
    for b in bundles:
        for c in compiled:
            ref_batch_matches += bool(c.match([b]))
    ref_batch_rate = rate(len(pairs), time.perf_counter() - t)

    reps_b = 500
    pat_path, obs_path = os.path.join(work, "patterns.txt"), os.path.join(work, "observations.jsonl")
    with open(pat_path, "w") as f:
        f.writelines(json.dumps(p) + "\n" for p in patterns)
    with open(obs_path, "w") as f:
        for _ in range(reps_b):
            f.writelines(json.dumps(b) + "\n" for b in bundles)
    t = time.perf_counter()
    proc = subprocess.run([bin_, "pattern", "batch", "--stix-version", "2.1", pat_path, obs_path],
                          capture_output=True, text=True, check=False)
    ours_batch_rate = rate(len(pairs) * reps_b, time.perf_counter() - t)
    ours_batch_matches = len(proc.stdout.splitlines()) // reps_b
    if ours_batch_matches != ref_batch_matches:
        sys.exit("batch match counts differ: simpul %d, stix2-matcher %d" % (ours_batch_matches, ref_batch_matches))

    print("%-44s %14s %14s %8s" % ("", "stix2-matcher", "simpul", "ratio"))
    print("%-44s %14.0f %14.0f %7.0fx" % ("single calls/s (parse+observations+match)", ref_single_rate, ours_single_rate,
                                           ours_single_rate / ref_single_rate))
    print("%-44s %14.0f %14.0f %7.0fx" % ("batch evaluations/s (pre-compiled)", ref_batch_rate, ours_batch_rate,
                                           ours_batch_rate / ref_batch_rate))
    print("(%d of %d pairs match)" % (ref_batch_matches, len(pairs)))


if __name__ == "__main__":
    main()
