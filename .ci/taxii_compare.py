#!/usr/bin/env python3
"""The same TAXII 2.1 requests against medallion 3.0.0 (the OASIS reference server) and simpul, side by
side, the responses compared field by field.

Both servers get the same fresh objects (same ids, same versions), then the same requests: discovery,
API root, collections, add objects (new, re-posted, with an invalid sibling), status, objects with
each filter, paging (`limit`, `next`, `more`), manifest, versions, delete, and the errors (400, 401,
403, 404, 406, 413, 415). Each response is reduced to what must not depend on the server: the status
code, the media type, the X-TAXII-Date-Added-First/-Last headers (as "the first/last object's
date_added" or not), WWW-Authenticate's scheme, and the body with server-specific values (URLs,
status ids, `next` tokens, timestamps, prose) replaced by their kind. Then every field is compared.

A field that differs fails the comparison unless it is listed in the differences file, section
"Compared with medallion 3.0.0": a table whose first cell is a backquoted `cmp:PROBE/FIELD` pattern
(`*` matches anything), then the TAXII 2.1 section and the reason. Listed differences that did not
occur are reported (not failed), so a stale row shows.

Prints `taxii compare [A vs B]: N passed, M failed` (a probe passes when every field agrees or
differs as listed); exits 1 on any unexpected difference.

Usage: taxii_compare.py MEDALLION_TARGET.json SIMPUL_TARGET.json DIFFERENCES.md [--json OUT]
"""

import argparse
import datetime as dt
import json
import re
import sys
import uuid

import requests

from taxii_common import STIX_TS, TAXII_TS, Http, envelope, indicator, instant, load_target, parse_time

SECTION = "Compared with medallion 3.0.0"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PROSE = {"title", "description", "message", "contact", "alias"}
URLS = {"default", "api_roots"}
TIMES = {"date_added", "request_timestamp"}


def wildcard(pattern):
    """`*` matches anything; every other character itself (probe names hold `[` and `]`)."""
    return re.compile("^" + ".*".join(re.escape(x) for x in pattern.split("*")) + "$", re.S)


def listed_differences(path):
    """The `cmp:` patterns of the section SECTION of the differences file."""
    pats = []
    inside = False
    with open(path) as f:
        for line in f:
            if line.startswith("## "):
                inside = line[3:].strip() == SECTION
                continue
            if inside and line.startswith("|"):
                cell = line.split("|")[1]
                m = re.findall(r"`cmp:([^`]+)`", cell)
                pats += m
    return pats


class Side:
    """One server: its target, its URLs, what it answered."""

    def __init__(self, target):
        self.t = target
        w = target["writer"]
        self.http = Http(w["user"], w["password"])
        self.root = requests.compat.urljoin(target["discovery"], self.discover()["default"])
        self.coll = self.root + "collections/%s/" % w["collection"]
        self.objects = self.coll + "objects/"
        self.added = {}  # (id, version) -> date_added
        self.status_ids = []

    def discover(self):
        r, js = self.http.call("GET", self.t["discovery"])
        r.raise_for_status()
        js.setdefault("default", js["api_roots"][0])
        return js

    def call(self, method, url, **kw):
        http = kw.pop("http", self.http)
        r, js = http.call(method, url, **kw)
        return r, js

    def learn_manifest(self, ids):
        for i in range(0, len(ids), 20):
            params = {"match[id]": ",".join(ids[i:i + 20]), "match[version]": "all", "limit": 1000}
            r, js = self.call("GET", self.coll + "manifest/", params=params)
            for m in (js or {}).get("objects", []):
                self.added[(m["id"], instant(m["version"]))] = m["date_added"]


def version_form(v):
    if TAXII_TS.match(v):
        return "TAXII timestamp (microseconds)"
    if STIX_TS.match(v):
        return "as written in the object"
    return "other"


def norm_value(key, v, side, forms=None):
    if isinstance(v, dict):
        return {k: norm_value(k, x, side, forms) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [norm_value(key, x, side, forms) for x in v]
    if not isinstance(v, str):
        return v
    if key in ("version", "versions"):
        # The instant is compared; how it is written is a field of its own ("version forms").
        if forms is not None:
            forms.add(version_form(v))
        return instant(v)
    if key in TIMES:
        return "<taxii-timestamp>" if TAXII_TS.match(v) else "<other-timestamp>"
    if key in URLS:
        return "<url>"
    if key in PROSE:
        return "<text>"
    if key == "next":
        return "<token>"
    if v == side.t["writer"]["collection"]:
        return "<collection>"
    if key in ("id", "error_id") and UUID.match(v):
        return "<uuid>"
    return v


def sorted_by_date_added(keys, side):
    """Whether `keys` ((id, version) pairs) are in the order of their date_added on `side`."""
    stamps = [side.added.get(k) for k in keys]
    if None in stamps:
        return "unknown date_added"
    t = [parse_time(x) for x in stamps]
    return t == sorted(t)


def norm_body(js, side, kind):
    """The body, server-specific values replaced by their kind. Lists of objects or manifest
    entries are compared as sets plus "sorted by date_added": a server that gives all objects of one
    POST the same date_added (medallion) orders them differently from one whose date_added is
    strictly increasing (simpul), and both are sorted (§3.3). A page ("…-page" kinds) is reduced to
    its size: which objects of equal date_added fall on which page is not comparable; the union of
    the pages is compared by the caller."""
    if js is None:
        return None
    if not isinstance(js, dict):
        return "<%s>" % type(js).__name__
    if not js:
        return "{}"
    out = {}
    forms = set()
    page = kind.endswith("-page")
    kind = kind[:-5] if page else kind
    for k, v in sorted(js.items()):
        if k == "objects" and kind in ("objects", "manifest") and isinstance(v, list):
            ver = "modified" if kind == "objects" else "version"
            keys = [(o.get("id"), instant(o.get(ver))) for o in v]
            if v:
                out[k + " sorted by date_added"] = sorted_by_date_added(keys, side)
            if page:
                out[k + " count"] = len(v)
            elif kind == "objects":
                out[k] = sorted("%s@%s" % (o.get("id"), o.get("modified")) for o in v)
            else:
                out[k] = sorted((norm_value(k, m, side, forms) for m in v), key=lambda m: (m["id"], m["version"]))
            if page:
                for m in v:
                    norm_value(k, m, side, forms)
            if v == []:
                out[k] = []
        elif k == "versions" and isinstance(v, list):
            inst = [norm_value(k, x, side, forms) for x in v]
            out[k] = sorted(inst)
            out["versions order"] = ("ascending" if inst == sorted(inst) else
                                     "descending" if inst == sorted(inst, reverse=True) else "other")
        elif k in ("successes", "failures", "pendings") and isinstance(v, list):
            out[k] = sorted((norm_value(k, x, side, forms) for x in v), key=lambda d: json.dumps(d, sort_keys=True))
        elif k == "collections" and isinstance(v, list):
            # Only the writer's collection: the others are each server's configuration.
            out[k] = [norm_value(k, x, side) for x in v if x.get("id") == side.t["writer"]["collection"]]
        else:
            out[k] = norm_value(k, v, side, forms)
    if forms:
        out["version forms"] = sorted(forms)
    return out


def header_kind(value, body, side, kind, which):
    """X-TAXII-Date-Added-First/-Last as what it is: the earliest/latest date_added of the objects in
    the response, or not."""
    if value is None:
        return None
    kind = kind[:-5] if kind.endswith("-page") else kind
    keys = []
    if kind == "objects":
        keys = [(o.get("id"), instant(o.get("modified"))) for o in (body or {}).get("objects", [])]
    elif kind == "manifest":
        keys = [(m.get("id"), instant(m.get("version"))) for m in (body or {}).get("objects", [])]
    elif kind.startswith("versions:"):
        oid = kind.split(":", 1)[1]
        keys = [(oid, instant(v)) for v in (body or {}).get("versions", [])]
    stamps = [side.added.get(k) for k in keys]
    if stamps and None not in stamps:
        stamps = sorted(stamps, key=parse_time)
        if value == (stamps[0] if which == "first" else stamps[-1]):
            return "the %s date_added of the response" % ("earliest" if which == "first" else "latest")
    return "a timestamp" if TAXII_TS.match(value) else "other: " + value


def reduce(side, r, js, kind):
    ct = r.headers.get("Content-Type")
    www = r.headers.get("WWW-Authenticate")
    out = {
        "status": r.status_code,
        "content-type": ct.replace(" ", "").lower() if ct else None,
        "header X-TAXII-Date-Added-First": header_kind(r.headers.get("X-TAXII-Date-Added-First"), js, side, kind,
                                                       "first"),
        "header X-TAXII-Date-Added-Last": header_kind(r.headers.get("X-TAXII-Date-Added-Last"), js, side, kind,
                                                      "last"),
        "header WWW-Authenticate": sorted({p.strip().split(" ")[0].lower() for p in www.split(",")
                                           if p.strip() and "=" not in p.strip().split(" ")[0]}) if www else None,
        "body": norm_body(js, side, kind) if js is not None else ("<empty>" if not r.content else "<not json>"),
    }
    return out


def flatten(v, prefix, out):
    if isinstance(v, dict) and v:
        for k, x in v.items():
            flatten(x, prefix + "." + k if prefix else k, out)
    elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        out[prefix + ".len"] = len(v)
        for i, x in enumerate(v):
            flatten(x, "%s[%d]" % (prefix, i), out)
    else:
        out[prefix] = v
    return out


class Compare:
    def __init__(self, a, b, listed):
        self.a, self.b = a, b
        self.listed = listed
        self.used = set()
        self.passed = 0
        self.failed = []
        self.report = []

    def probe(self, name, fn, kind="objects"):
        """fn(side) -> (response, json); both reduced and compared."""
        got = []
        for side in (self.a, self.b):
            try:
                r, js = fn(side)
                got.append(flatten(reduce(side, r, js, kind), "", {}))
            except Exception as e:  # noqa: BLE001 - a failing request is a field like any other
                got.append({"exception": "%s: %s" % (type(e).__name__, str(e)[:200])})
        return self.fields(name, *got)

    def fields(self, name, fa, fb):
        """Compares two flattened reductions."""
        unexpected, expected = [], []
        for field in sorted(set(fa) | set(fb)):
            va, vb = fa.get(field, "<absent>"), fb.get(field, "<absent>")
            if va == vb:
                continue
            key = "%s/%s" % (name, field)
            pat = next((p for p in self.listed if wildcard(p).match(key)), None)
            (expected if pat else unexpected).append((field, va, vb, pat))
            if pat:
                self.used.add(pat)
        self.report.append({"probe": name, "a": fa, "b": fb, "unexpected": unexpected, "expected": expected})
        if unexpected:
            self.failed.append(name)
            print("DIFF  %s" % name)
            for field, va, vb, _ in unexpected:
                print("        %s: %s=%s  %s=%s" % (field, self.a.t["name"], json.dumps(va), self.b.t["name"],
                                                     json.dumps(vb)))
        else:
            self.passed += 1
            print("same  %s%s" % (name, " (%d listed differences)" % len(expected) if expected else ""))
        for field, va, vb, pat in expected:
            print("        listed %s: %s=%s  %s=%s" % (field, self.a.t["name"], json.dumps(va), self.b.t["name"],
                                                         json.dumps(vb)))
        return fa, fb


def run(cmp):
    a, b = cmp.a, cmp.b
    sides = (a, b)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    t0 = now - dt.timedelta(days=3)
    run_id = uuid.uuid4().hex[:8]
    sentinel = indicator(0, t0, run=run_id)
    batch_a = [indicator(i, t0 + dt.timedelta(seconds=i), run=run_id) for i in range(1, 7)]
    x_id = "indicator--%s" % uuid.uuid4()
    xs = [indicator(50, t0, modified=t0 + dt.timedelta(hours=h), oid=x_id, run=run_id) for h in (1, 2, 3)]
    v1, v2, v3 = (o["modified"] for o in xs)
    batch_a.append(xs[0])
    batch_b = [indicator(i, t0 + dt.timedelta(seconds=i), run=run_id) for i in range(7, 10)] + xs[1:]
    new_valid = indicator(60, t0, run=run_id)
    invalid = indicator(61, t0, run=run_id)
    del invalid["pattern"]
    # Objects of single requests, the same on both sides.
    one = {n: indicator(n, t0, run=run_id) for n in range(62, 67)}

    def post(objs, url=None, **kw):
        return lambda s: s.call("POST", url(s) if url else s.objects, body=envelope(objs), **kw)

    def get(url=None, params=None, **kw):
        return lambda s: s.call("GET", url(s) if url else s.objects,
                                params=params(s) if callable(params) else params, **kw)

    # Resources.
    cmp.probe("discovery", lambda s: s.call("GET", s.t["discovery"]), "resource")
    cmp.probe("discovery bare Accept", lambda s: s.call("GET", s.t["discovery"], accept="application/taxii+json"),
              "resource")
    cmp.probe("api root", get(lambda s: s.root), "resource")
    cmp.probe("collections", get(lambda s: s.root + "collections/"), "resource")
    cmp.probe("collection", get(lambda s: s.coll), "resource")

    # Add objects, status.
    for name, objs in (("sentinel", [sentinel]), ("batch A", batch_a), ("batch B", batch_b)):
        cmp.probe("add objects " + name, post(objs), "status")
        for side in sides:
            side.learn_manifest([o["id"] for o in objs])
    cmp.probe("add objects re-posted id+version", post([batch_a[0]]), "status")
    cmp.probe("add objects with an invalid sibling", post([new_valid, invalid]), "status")
    for side in sides:
        # medallion stored the invalid object (it validates nothing): it goes, so that what
        # follows compares the same collections.
        side.call("DELETE", side.objects + invalid["id"] + "/", params={"match[version]": "all"})
        side.learn_manifest([new_valid["id"]])
    # A status resource of a POST of one object.
    status_ids = {}
    for side in sides:
        r, js = side.call("POST", side.objects, body=envelope([one[62]]))
        status_ids[side.t["name"]] = (js or {}).get("id", "none")
        side.learn_manifest([one[62]["id"]])
    cmp.probe("get status", get(lambda s: s.root + "status/%s/" % status_ids[s.t["name"]]), "status")

    s_of = {side.t["name"]: side.added.get((sentinel["id"], instant(sentinel["modified"])),
                                           "2000-01-01T00:00:00.000000Z")
            for side in sides}
    a_last = {side.t["name"]: max((side.added[k] for k in side.added if k[0] in {o["id"] for o in batch_a}),
                                  key=parse_time, default="2000-01-01T00:00:00.000000Z") for side in sides}

    def ours(extra=None):
        return lambda s: {"added_after": s_of[s.t["name"]], **(extra or {})}

    def q(params):
        return lambda s: s.call("GET", s.objects, params=params(s) if callable(params) else params)

    # Objects and filters.
    cmp.probe("objects added_after", q(ours()))
    cmp.probe("objects added_after (second batch)", q(lambda s: {"added_after": a_last[s.t["name"]]}))
    cmp.probe("objects match[id] two", q({"match[id]": batch_a[0]["id"] + "," + batch_a[1]["id"]}))
    cmp.probe("objects match[type]=indicator", q(ours({"match[type]": "indicator"})))
    cmp.probe("objects match[type]=malware (nothing)", q(ours({"match[type]": "malware"})))
    for v in ("last", "first", "all", "first,last", v2, v1 + "," + v3):
        cmp.probe("objects match[version]=%s" % v, q({"match[id]": x_id, "match[version]": v}))
    cmp.probe("objects no match[version]", q({"match[id]": x_id}))
    cmp.probe("objects match[spec_version]=2.1", q(ours({"match[spec_version]": "2.1"})))
    cmp.probe("objects match[spec_version]=2.0 (nothing)", q(ours({"match[spec_version]": "2.0"})))
    cmp.probe("objects match[spec_version]=2.0,2.1", q(ours({"match[spec_version]": "2.0,2.1"})))

    # Paging: limit=4 over the objects added after the sentinel, following `next`.
    def pages(name, url, kind):
        nexts = {}
        union = {side.t["name"]: [] for side in sides}
        for i in range(6):
            def page(s, i=i):
                p = ours({"limit": 4})(s)
                if i:
                    if s.t["name"] not in nexts:
                        raise RuntimeError("no next token on the previous page")
                    p["next"] = nexts[s.t["name"]]
                r, js = s.call("GET", url(s), params=p)
                ver = "modified" if kind == "objects" else "version"
                union[s.t["name"]] += ["%s@%s" % (o.get("id"), instant(o.get(ver))) for o in (js or {}).get("objects", [])]
                if (js or {}).get("next"):
                    nexts[s.t["name"]] = js["next"]
                else:
                    nexts.pop(s.t["name"], None)
                return r, js
            cmp.probe("%s limit=4 page %d" % (name, i + 1), page, kind + "-page")
            if not nexts:
                break
        ua, ub = (union[side.t["name"]] for side in sides)
        cmp.fields("%s limit=4 every page" % name,
                   {"objects": sorted(ua), "each once": len(ua) == len(set(ua))},
                   {"objects": sorted(ub), "each once": len(ub) == len(set(ub))})

    pages("objects", lambda s: s.objects, "objects")
    pages("manifest", lambda s: s.coll + "manifest/", "manifest")
    cmp.probe("objects limit above the server maximum", q(ours({"limit": 100000})))

    # Manifest, one object, versions.
    cmp.probe("manifest added_after", get(lambda s: s.coll + "manifest/", ours()), "manifest")
    cmp.probe("manifest match[id] match[version]=all",
              get(lambda s: s.coll + "manifest/", {"match[id]": x_id, "match[version]": "all"}), "manifest")
    obj_url = lambda s: s.objects + x_id + "/"  # noqa: E731
    cmp.probe("object", get(obj_url))
    cmp.probe("object match[version]=all", get(obj_url, {"match[version]": "all"}))
    cmp.probe("object match[version]=first", get(obj_url, {"match[version]": "first"}))
    cmp.probe("object match[spec_version]=2.0 (nothing)", get(obj_url, {"match[spec_version]": "2.0"}))
    cmp.probe("object limit=1", get(obj_url, {"match[version]": "all", "limit": 1}))
    cmp.probe("versions", get(lambda s: s.objects + x_id + "/versions/"), "versions:" + x_id)
    cmp.probe("versions limit=2", get(lambda s: s.objects + x_id + "/versions/", {"limit": 2}), "versions:" + x_id)

    # Errors.
    wrong = lambda s: Http(s.t["writer"]["user"], "wrong-" + run_id)  # noqa: E731
    cmp.probe("401 no credentials", lambda s: s.call("GET", s.objects, http=Http()), "error")
    cmp.probe("401 wrong password", lambda s: s.call("GET", s.objects, http=wrong(s)), "error")
    cmp.probe("401 discovery no credentials", lambda s: s.call("GET", s.t["discovery"], http=Http()), "error")
    cmp.probe("406 Accept application/json", get(accept="application/json"), "error")
    cmp.probe("406 Accept TAXII 2.0", get(accept="application/taxii+json;version=2.0"), "error")
    cmp.probe("no Accept header", lambda s: s.call("GET", s.objects, params=ours()(s), accept=None))
    cmp.probe("objects Accept bare application/taxii+json",
              lambda s: s.call("GET", s.objects, params=ours()(s), accept="application/taxii+json"))
    cmp.probe("415 Content-Type application/json", post([one[63]],
                                                        content_type="application/json"), "error")
    cmp.probe("415 Content-Type TAXII 2.0", post([one[64]],
                                                 content_type="application/taxii+json;version=2.0"), "error")
    cmp.probe("404 unknown collection", get(lambda s: s.root + "collections/%s/objects/" % uuid.uuid4()), "error")
    cmp.probe("404 unknown collection resource", get(lambda s: s.root + "collections/%s/" % uuid.uuid4()), "error")
    cmp.probe("404 unknown object", get(lambda s: s.objects + "indicator--%s/" % uuid.uuid4()), "error")
    cmp.probe("404 unknown object versions", get(lambda s: s.objects + "indicator--%s/versions/" % uuid.uuid4()),
              "error")
    cmp.probe("404 unknown status", get(lambda s: s.root + "status/%s/" % uuid.uuid4()), "error")
    cmp.probe("404 unknown API root", get(lambda s: requests.compat.urljoin(s.root, "../no-such-root/")), "error")
    cmp.probe("400 limit=0", q({"limit": 0}), "error")
    cmp.probe("400 limit=abc", q({"limit": "abc"}), "error")
    cmp.probe("400 added_after not a timestamp", q({"added_after": "yesterday"}), "error")
    cmp.probe("400 next not issued", q({"next": "not-a-token-" + run_id}), "error")
    cmp.probe("400 match[version] not a timestamp", q({"match[version]": "latest"}), "error")
    cmp.probe("POST body not JSON", lambda s: s.call("POST", s.objects, body=b"{not json"), "error")
    cmp.probe("POST envelope without objects", lambda s: s.call("POST", s.objects, body={"more": False}), "error")

    def oversized(s):
        r, js = s.call("GET", s.root)
        limit = (js or {}).get("max_content_length", 0)
        if not limit or limit > 64 * 1024 * 1024:
            raise RuntimeError("max_content_length %r not testable" % limit)
        pad = "x" * (limit + 1)
        o = dict(one[65], description=pad)
        return s.call("POST", s.objects, body=envelope([o]))
    cmp.probe("413 body above max_content_length", oversized, "error")

    for side in sides:
        if not side.t["readonly"] or not side.t["denied"]:
            raise SystemExit("%s: the comparison needs a readonly and a denied entry" % side.t["name"])

    def other(kind, sub):
        def call(s):
            who = s.t[kind][0]
            http = Http(who["user"], who["password"])
            return s.call("POST" if sub == "POST" else "GET",
                          s.root + "collections/%s/objects/" % who["collection"], http=http,
                          body=envelope([one[66]]) if sub == "POST" else None)
        return call
    cmp.probe("403 POST to a collection the caller may read only", other("readonly", "POST"), "error")
    cmp.probe("denied GET objects of a collection the caller may not read", other("denied", "GET"), "error")

    # Delete.
    cmp.probe("delete match[version]=<first version>", lambda s: s.call("DELETE", obj_url(s),
                                                                        params={"match[version]": v1}), "error")
    cmp.probe("versions after deleting one", get(lambda s: s.objects + x_id + "/versions/"), "versions:" + x_id)
    cmp.probe("delete without match[version]", lambda s: s.call("DELETE", obj_url(s)), "error")
    cmp.probe("object after delete without match[version]", get(obj_url, {"match[version]": "all"}))
    cmp.probe("delete unknown object", lambda s: s.call("DELETE", s.objects + "indicator--%s/" % uuid.uuid4()),
              "error")
    # Leave the collections as found.
    for side in sides:
        for o in [sentinel, new_valid, invalid] + batch_a + batch_b + list(one.values()):
            side.call("DELETE", side.objects + o["id"] + "/", params={"match[version]": "all"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("differences")
    ap.add_argument("--json", help="write every reduced response and difference here")
    args = ap.parse_args()
    ta, tb = load_target(args.a), load_target(args.b)
    try:
        a, b = Side(ta), Side(tb)
    except Exception as e:  # noqa: BLE001 - a server without discovery is one failure, not a traceback
        print("FAIL  discovery: %s: %s" % (type(e).__name__, e))
        print("taxii compare [%s vs %s]: 0 passed, 1 failed" % (ta["name"], tb["name"]))
        sys.exit(1)
    listed = listed_differences(args.differences)
    cmp = Compare(a, b, listed)
    try:
        run(cmp)
    except Exception as e:  # noqa: BLE001
        cmp.failed.append("the comparison ran to the end (%s: %s)" % (type(e).__name__, e))
        import traceback
        traceback.print_exc(file=sys.stdout)
    unused = [p for p in listed if p not in cmp.used]
    if unused:
        print("listed differences not seen in this run (stale rows, or behaviour this run did not reach):")
        for p in unused:
            print("  cmp:" + p)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(cmp.report, f, indent=1, default=str)
    if cmp.failed:
        print("unexpected differences in: " + "; ".join(cmp.failed))
    print("taxii compare [%s vs %s]: %d passed, %d failed" % (a.t["name"], b.t["name"], cmp.passed, len(cmp.failed)))
    sys.exit(1 if cmp.failed else 0)


if __name__ == "__main__":
    main()
