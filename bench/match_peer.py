"""stix2-matcher on the subset written by `matchbench write`: every compiled pattern against
every observation (one observed-data with one SCO each), as a log matcher without an index
would run it.

Usage: match_peer.py DIR  -> prints one JSON object.
"""

import json
import sys
import time

from stix2matcher.matcher import Pattern

d = sys.argv[1]
patterns = [l.rstrip("\n") for l in open(f"{d}/subset_patterns.txt") if l.strip()]
observations = [json.loads(l) for l in open(f"{d}/subset_observations.jsonl") if l.strip()]
compiled = [Pattern(p, stix_version="2.1") for p in patterns]
t = time.perf_counter()
pairs = 0
for b in observations:
    for c in compiled:
        if c.match([b]):
            pairs += 1
dt = time.perf_counter() - t
print(json.dumps({
    "patterns": len(patterns),
    "observations": len(observations),
    "seconds": dt,
    "matching_pairs": pairs,
    "observations_per_s": len(observations) / dt,
}))
