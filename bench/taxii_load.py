"""TAXII 2.1 load of one server (bench/taxii.sh): POST the objects of a JSON-lines file in envelopes
of BATCH objects (HTTP Basic, one request at a time, each answered with its status resource; a
status still pending is polled until it is final), then page the whole collection back with
GET objects?limit=LIMIT following `next`. Checks that every object was a success and comes back
exactly once. Then times the first filtered page, `match[type]=indicator&limit=LIMIT` and
`added_after=T&limit=LIMIT` (T: the collection's first date added, from the
X-TAXII-Date-Added-First header of the first page, so the page is full), REPEAT times each, one
request at a time. Prints one JSON line: objects, POST seconds and objects/s, GET seconds,
objects/s, pages, and the median, min and max milliseconds of each filtered page.

Usage: taxii_load.py TARGET.json OBJECTS.jsonl [--batch 1000] [--limit 1000] [--repeat 5]
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".ci"))
from taxii_common import Http, api_root_url, load_target  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("objects")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    t = load_target(a.target)
    w = t["writer"]
    # medallion's first page of a large collection takes minutes.
    http = Http(w["user"], w["password"], timeout=3600)
    root = api_root_url(t["discovery"], w["user"], w["password"])
    objects_url = root + "collections/%s/objects/" % w["collection"]
    with open(a.objects) as f:
        lines = [line.strip() for line in f if line.strip()]
    ids = {json.loads(line)["id"] for line in lines}

    started = time.perf_counter()
    ok = 0
    for i in range(0, len(lines), a.batch):
        body = '{"objects":[' + ",".join(lines[i:i + a.batch]) + "]}"
        r, st = http.call("POST", objects_url, body=body.encode())
        if r.status_code != 202:
            sys.exit("%s: POST answered %d: %s" % (t["name"], r.status_code, r.text[:300]))
        while st.get("status") != "complete":
            time.sleep(0.05)
            r, st = http.call("GET", root + "status/%s/" % st["id"])
        ok += st.get("success_count", 0)
    post_s = time.perf_counter() - started
    if ok != len(lines):
        sys.exit("%s: %d of %d objects were successes" % (t["name"], ok, len(lines)))

    started = time.perf_counter()
    seen, pages, nxt, first_added = [], 0, None, None
    while True:
        params = {"limit": a.limit}
        if nxt:
            params["next"] = nxt
        r, env = http.call("GET", objects_url, params=params)
        if r.status_code != 200:
            sys.exit("%s: GET answered %d: %s" % (t["name"], r.status_code, r.text[:300]))
        pages += 1
        first_added = first_added or r.headers.get("X-TAXII-Date-Added-First")
        seen += [o["id"] for o in (env or {}).get("objects", [])]
        if not (env or {}).get("more"):
            break
        nxt = env.get("next")
    get_s = time.perf_counter() - started
    if len(seen) != len(set(seen)) or set(seen) != ids:
        sys.exit("%s: paged GET returned %d objects (%d distinct), %d posted" %
                 (t["name"], len(seen), len(set(seen)), len(ids)))
    result = {"server": t["name"], "objects": len(lines), "post_s": round(post_s, 3),
              "post_per_s": round(len(lines) / post_s, 1), "get_s": round(get_s, 3),
              "get_per_s": round(len(seen) / get_s, 1), "pages": pages}
    filters = {"type": {"match[type]": "indicator"}, "added": {"added_after": first_added}}
    for name, extra in filters.items():
        result[name + "_ms"] = first_page_ms(http, objects_url, dict(extra, limit=a.limit), a.repeat,
                                             min(a.limit, len(lines) - (name == "added")), t["name"])
    print(json.dumps(result))


def first_page_ms(http, url, params, repeat, expected, name):
    """Median, min and max milliseconds of REPEAT requests for one filtered page of EXPECTED objects."""
    ms = []
    for _ in range(repeat):
        started = time.perf_counter()
        r, env = http.call("GET", url, params=params)
        ms.append((time.perf_counter() - started) * 1000)
        got = len((env or {}).get("objects", []))
        if r.status_code != 200 or got != expected:
            sys.exit("%s: GET %s answered %d with %d objects (%d expected): %s" %
                     (name, params, r.status_code, got, expected, r.text[:300]))
    return {"median": round(statistics.median(ms), 1), "min": round(min(ms), 1), "max": round(max(ms), 1)}


if __name__ == "__main__":
    main()
