"""The steady-state lag of federation (bench/federation.sh): a writer posts GREEN indicators to
node A at RATE objects/s for SECS seconds (batches of 100 over REST, each batch's acknowledgement
time noted), while a reader polls node B's TAXII collection (`added_after`, every 100 ms) and
notes when each object is first served. Prints JSON: objects written, the rate reached, and the
lag (acknowledged at A → served at B) at p50, p95 and max, with the count never seen.

usage: federation_lag.py A_BASE A_COLLECTION WRITER_TOKEN B_BASE B_COLLECTION READER_TOKEN RATE SECS
"""

import json
import sys
import threading
import time
import uuid

import requests

a, ca, wt, b, cb, rt, rate, secs = sys.argv[1:]
rate, secs = int(rate), int(secs)
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TAXII = "application/taxii+json;version=2.1"
acked = {}
seen = {}
done = threading.Event()
ready = threading.Event()


def indicator(n):
    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return {"type": "indicator", "spec_version": "2.1", "id": "indicator--%s" % uuid.uuid4(),
            "created": ts, "modified": ts, "name": "lag probe %d" % n, "pattern_type": "stix",
            "pattern": "[domain-name:value = 'lag-%d.bench.example']" % n, "valid_from": ts,
            "object_marking_refs": [GREEN]}


def writer():
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + wt
    batch = 100
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < secs:
        objects = [indicator(n + i) for i in range(batch)]
        n += batch
        r = s.post("%s/api/v1/collections/%s/objects" % (a, ca), timeout=60,
                   json={"type": "bundle", "id": "bundle--%s" % uuid.uuid4(), "objects": objects})
        r.raise_for_status()
        t = time.perf_counter()
        for o in objects:
            acked[o["id"]] = t
        wait = start + n / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
    done.set()


def reader():
    s = requests.Session()
    s.headers.update({"Authorization": "Bearer " + rt, "Accept": TAXII})
    after = None
    quiet_since = None
    while True:
        params = {"limit": 1000}
        if after:
            params["added_after"] = after
        r = s.get("%s/taxii2/api/collections/%s/objects/" % (b, cb), params=params, timeout=60)
        r.raise_for_status()
        t = time.perf_counter()
        if r.text.strip():
            env = r.json()
            for o in env.get("objects", []):
                seen.setdefault(o["id"], t)
            after = r.headers.get("X-TAXII-Date-Added-Last", after)
            if env.get("more"):
                continue
        ready.set()
        if done.is_set():
            missing = [i for i in acked if i not in seen]
            if not missing:
                return
            quiet_since = quiet_since or t
            if t - quiet_since > 30:
                return
        time.sleep(0.1)


# The objects already on B are not probes: the writer starts once the reader has read past them.
w = threading.Thread(target=writer)
rd = threading.Thread(target=reader)
rd.start()
ready.wait()
started = time.perf_counter()
w.start()
w.join()
written_s = time.perf_counter() - started
rd.join()
lags = sorted(seen[i] - t for i, t in acked.items() if i in seen)


def q(p):
    return round(lags[min(len(lags) - 1, int(p * len(lags)))], 3) if lags else None


print(json.dumps({"written": len(acked), "rate_per_s": round(len(acked) / written_s, 1),
                  "lag_p50_s": q(0.5), "lag_p95_s": q(0.95), "lag_max_s": round(lags[-1], 3) if lags else None,
                  "never_seen": len(acked) - len(lags)}))
