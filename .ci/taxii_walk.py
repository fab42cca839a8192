#!/usr/bin/env python3
"""Walk every TAXII 2.1 endpoint of a running server with taxii2-client 2.3.0, the OASIS client.

discovery -> API root -> collections -> add_objects (wait_for_completion) -> status -> get_objects
with each filter (added_after, match[id], match[type], match[version] last/first/all/timestamp,
match[spec_version], and filters ANDed) -> as_pages (objects and manifest) -> manifest -> versions
-> delete; stix2-validator 3.3.2 validates every object served back. Then the same endpoints as each
caller of the target's `readonly` list (reads, but may not write: 403) and `denied` list (may not
read: 403 or 404, and never an object in the body). Raw requests check what the client hides:
X-TAXII-Date-Added-First/-Last, 401 with WWW-Authenticate, 404, 406, 415.

The server is described by a target file (see taxii_common.py); the same walk runs against
medallion and simpul. Prints one line per check, then `taxii walk [NAME]: N passed, M failed`;
exits 1 on any failure.

Usage: taxii_walk.py TARGET.json [--keep-objects]
"""

import argparse
import datetime as dt
import re
import sys
import traceback
import uuid

import requests
from stix2validator import ValidationOptions, validate_parsed_json
from taxii2client.v21 import Collection, Server, as_pages

from taxii_common import TAXII, TAXII_TS, Http, envelope, indicator, instant, load_target, malware, parse_time


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def ok(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok    %s" % name)
        else:
            self.failed.append(name)
            print("FAIL  %s%s" % (name, (": " + str(detail)) if detail != "" else ""))
        return bool(cond)

    def step(self, name, fn, *args):
        """Runs fn; an exception is one failed check named `name`."""
        try:
            return fn(*args)
        except Exception as e:  # noqa: BLE001 - any failure of the server is a failed check
            self.ok(name, False, "%s: %s" % (type(e).__name__, e))
            traceback.print_exc(limit=3, file=sys.stdout)
            return None


def http_status(exc):
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return exc.response.status_code
    return None


class Walk:
    def __init__(self, target):
        self.t = target
        self.c = Checks()
        self.served = {}  # (id, version) -> object, every object any GET returned
        self.posted = {}  # (id, modified) -> object we posted
        self.last = [None]  # the last HTTP response seen by taxii2-client
        self.empty = []  # names of empty lists in resources served
        w = target["writer"]
        self.raw = Http(w["user"], w["password"])

    # -- helpers ----------------------------------------------------------------------------
    def remember(self, objects):
        for o in objects or []:
            self.served[(o.get("id"), instant(o.get("modified") or o.get("created")))] = o

    def get(self, fn, **kw):
        env = fn(**kw)
        self.empty_lists(env)
        self.remember(env.get("objects"))
        return env, self.last[0]

    def ids(self, env):
        return [(o["id"], instant(o.get("modified"))) for o in env.get("objects", [])]

    def empty_lists(self, resource):
        """TAXII §2 (list): empty lists are prohibited; an optional list is omitted instead."""
        for k, v in (resource or {}).items():
            if v == []:
                where = self.last[0].request.path_url.split("?")[0] if self.last[0] is not None else "?"
                self.empty.append("`%s` in %s" % (k, re.sub(r"[a-z0-9-]*--[0-9a-f-]{36}|[0-9a-f-]{36}", "{id}", where)))

    def hook(self, conn):
        if getattr(conn, "_walk_hooked", False):
            return
        conn._walk_hooked = True

        def record(r, *a, **k):
            self.last[0] = r
        conn.session.hooks["response"].append(record)

    def date_added(self, ids_versions):
        """(id, version) -> date_added, from the manifest (match[version]=all)."""
        out = {}
        ids = sorted({i for i, _ in ids_versions})
        for chunk in range(0, len(ids), 20):
            for page in as_pages(self.coll.get_manifest, per_request=100, id=ids[chunk:chunk + 20], version="all"):
                for m in page.get("objects", []):
                    out[(m["id"], instant(m["version"]))] = m["date_added"]
        return out

    def check_sorted_and_headers(self, name, env, resp, added):
        objs = self.ids(env)
        if not objs:
            return
        stamps = [added.get(k) for k in objs]
        if not self.c.ok(name + ": every object has a manifest entry", None not in stamps, objs):
            return
        self.c.ok(name + ": sorted by date_added ascending (§3.3)",
                  [parse_time(s) for s in stamps] == sorted(parse_time(s) for s in stamps), stamps)
        h = resp.headers
        self.c.ok(name + ": X-TAXII-Date-Added-First is the first object's date_added (§3.2)",
                  h.get("X-TAXII-Date-Added-First") == stamps[0], (h.get("X-TAXII-Date-Added-First"), stamps[0]))
        self.c.ok(name + ": X-TAXII-Date-Added-Last is the last object's date_added (§3.2)",
                  h.get("X-TAXII-Date-Added-Last") == stamps[-1], (h.get("X-TAXII-Date-Added-Last"), stamps[-1]))

    def post(self, name, objects, expect_success=True):
        st = self.coll.add_objects(envelope(objects), wait_for_completion=True, poll_interval=0.2, timeout=60)
        self.c.ok(name + ": status complete", st.status == "complete", st.status)
        self.c.ok(name + ": total_count", st.total_count == len(objects), st.total_count)
        if expect_success:
            self.c.ok(name + ": every object a success", st.success_count == len(objects)
                      and st.failure_count == 0 and st.pending_count == 0,
                      (st.success_count, st.failure_count, st.pending_count, st.failures))
            got = sorted((s.get("id"), instant(s.get("version"))) for s in st.successes)
            want = sorted((o["id"], instant(o["modified"])) for o in objects)
            self.c.ok(name + ": successes list each id and version", got == want, got)
            for o in objects:
                self.posted[(o["id"], instant(o["modified"]))] = o
        return st

    # -- the walk ---------------------------------------------------------------------------
    def run(self, keep):
        c = self.c
        t = self.t
        w = t["writer"]
        server = Server(t["discovery"], user=w["user"], password=w["password"])
        self.hook(server._conn)
        c.ok("discovery: title", bool(c.step("discovery", lambda: server.title)))
        roots = server.api_roots
        c.ok("discovery: api_roots listed", len(roots) >= 1, roots)
        c.ok("discovery: default API root", server.default is not None)
        root = server.default or roots[0]
        self.root = root
        c.ok("discovery: Content-Type", self.last[0].headers.get("Content-Type", "").replace(" ", "") == TAXII,
             self.last[0].headers.get("Content-Type"))
        self.hook(root._conn)
        root.refresh_information()
        c.ok("API root: versions include TAXII 2.1", TAXII in (root.versions or []), root.versions)
        c.ok("API root: max_content_length", isinstance(root.max_content_length, int) and root.max_content_length > 0,
             root.max_content_length)
        colls = {x.id: x for x in root.collections}
        coll = colls.get(w["collection"])
        if not c.ok("collections: the writer's collection is listed", coll is not None, sorted(colls)):
            return
        c.ok("collections: can_read and can_write for the writer", coll.can_read and coll.can_write,
             (coll.can_read, coll.can_write))
        self.coll = coll
        single = Collection(coll.url, conn=server._conn)
        c.ok("collection: GET a collection", single.id == w["collection"] and single.title, single.id)

        run = uuid.uuid4().hex[:8]
        t0 = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=2)
        sentinel = indicator(0, t0, run=run)
        a = [indicator(i, t0 + dt.timedelta(seconds=i), run=run) for i in range(1, 13)]
        a += [malware(1, t0, run=run), malware(2, t0, run=run)]
        x_id = "indicator--%s" % uuid.uuid4()
        xv = [t0 + dt.timedelta(hours=h) for h in (1, 2, 3)]
        xs = [indicator(99, t0, modified=m, oid=x_id, run=run) for m in xv]
        v1, v2, v3 = (o["modified"] for o in xs)  # as posted: the filters get them in STIX form
        w1, w2, w3 = (instant(v) for v in (v1, v2, v3))
        a.append(xs[0])
        b = [indicator(i, t0 + dt.timedelta(seconds=i), run=run) for i in range(13, 21)] + xs[1:]

        # Add objects and status.
        self.post("add sentinel", [sentinel])
        st_a = self.post("add batch A", a)
        st = root.get_status(st_a.id)
        c.ok("status: GET status of batch A", st.id == st_a.id and st.status == "complete"
             and st.success_count == len(a) and st.total_count == len(a), (st.id, st.status, st.success_count))
        c.ok("status: request_timestamp is a TAXII timestamp",
             st.request_timestamp is None or bool(TAXII_TS.match(st.request_timestamp)), st.request_timestamp)
        self.status_id = st_a.id
        self.post("add batch B", b)
        re_st = self.coll.add_objects(envelope([a[0]]), wait_for_completion=True, poll_interval=0.2, timeout=60)
        c.ok("re-post of a stored id+version: one object counted", re_st.total_count == 1
             and re_st.success_count + re_st.failure_count == 1, (re_st.success_count, re_st.failure_count))
        env, _ = self.get(coll.get_objects, id=a[0]["id"], version="all")
        c.ok("re-post of a stored id+version: no second copy", len(env.get("objects", [])) == 1,
             len(env.get("objects", [])))

        ours = [sentinel] + a + b
        added = self.date_added([(o["id"], instant(o["modified"])) for o in ours])
        c.ok("manifest: date_added for every posted version", len(added) == len(ours), len(added))
        c.ok("manifest: date_added are TAXII timestamps (microseconds)",
             all(TAXII_TS.match(s) for s in added.values()), sorted(set(added.values()))[:3])
        def key(o):
            return (o["id"], instant(o["modified"]))
        s = added.get(key(sentinel))
        c.ok("manifest: the sentinel's date_added", s is not None)
        s = s or "2000-01-01T00:00:00.000000Z"
        s_a = max((added[key(o)] for o in a if key(o) in added), key=parse_time, default=None)
        c.ok("manifest: batch B added after batch A", s_a is not None and all(
            parse_time(added[key(o)]) > parse_time(s_a) for o in b if key(o) in added))
        s_a = s_a or s

        def latest(objs):
            best = {}
            for o in objs:
                if o["id"] not in best or o["modified"] > best[o["id"]]["modified"]:
                    best[o["id"]] = o
            return sorted(key(o) for o in best.values())

        def query(name, want, **kw):
            env, resp = self.get(coll.get_objects, **kw)
            got = sorted(self.ids(env))
            c.ok("get_objects %s" % name, got == sorted(want),
                 "got %d, want %d; extra %s, missing %s" % (len(got), len(want), sorted(set(got) - set(want))[:3],
                                                            sorted(set(want) - set(got))[:3]))
            self.check_sorted_and_headers("get_objects %s" % name, env, resp, added)
            return env

        after_s = latest(a + b)
        query("added_after", after_s, added_after=s)
        query("added_after (second batch)", latest(b), added_after=s_a)
        query("match[id] (two, ORed)", latest(a[:2]), id=[a[0]["id"], a[1]["id"]])
        query("match[type]=malware", latest(a[12:14]), added_after=s, type="malware")
        query("match[type]=indicator,malware", after_s, added_after=s, type=["indicator", "malware"])
        query("match[type] AND match[id] (disjoint)", [], type="malware", id=a[0]["id"])
        query("match[version]=last (default)", [(x_id, w3)], id=x_id)
        query("match[version]=last", [(x_id, w3)], id=x_id, version="last")
        query("match[version]=first", [(x_id, w1)], id=x_id, version="first")
        query("match[version]=all", [(x_id, w) for w in (w1, w2, w3)], id=x_id, version="all")
        query("match[version]=first,last", [(x_id, w1), (x_id, w3)], id=x_id, version=["first", "last"])
        query("match[version]=timestamp", [(x_id, w2)], id=x_id, version=v2)
        query("match[version]=timestamp, microseconds", [(x_id, w2)], id=x_id, version=w2)
        query("match[version]=two timestamps", [(x_id, w1), (x_id, w3)], id=x_id, version=[v1, v3])
        query("match[spec_version]=2.1", after_s, added_after=s, spec_version="2.1")
        query("match[spec_version]=2.0", [], added_after=s, spec_version="2.0")
        query("added_after AND match[version]=all", sorted(key(o) for o in b),
              added_after=s_a, version="all")

        env, _ = self.get(lambda **kw: coll.get_object(x_id, **kw))
        c.ok("get_object: latest version by default", self.ids(env) == [(x_id, w3)], self.ids(env))
        env, _ = self.get(lambda **kw: coll.get_object(x_id, **kw), version="all")
        c.ok("get_object: match[version]=all", sorted(self.ids(env)) == [(x_id, w) for w in (w1, w2, w3)],
             self.ids(env))
        env, _ = self.get(lambda **kw: coll.get_object(x_id, **kw), version="first")
        c.ok("get_object: match[version]=first", self.ids(env) == [(x_id, w1)], self.ids(env))

        # as_pages: objects and manifest, a small page size.
        def paged(name, fn, per, want, **kw):
            seen, pages, shape_ok = [], 0, True
            for page in as_pages(fn, per_request=per, **kw):
                pages += 1
                items = page.get("objects", [])
                self.empty_lists(page)
                if fn == coll.get_objects:
                    self.remember(items)
                    seen += [(o["id"], instant(o.get("modified"))) for o in items]
                else:
                    seen += [(m["id"], instant(m["version"])) for m in items]
                if len(items) > per:
                    shape_ok = False
                if page.get("more") and not isinstance(page.get("next"), str):
                    shape_ok = False
                if pages > 1000:
                    break
            c.ok("as_pages %s: every object exactly once" % name, sorted(seen) == sorted(want) and
                 len(seen) == len(set(seen)), "%d seen, %d wanted, %d pages" % (len(seen), len(want), pages))
            c.ok("as_pages %s: pages of at most %d, `next` whenever `more`" % (name, per), shape_ok)
            c.ok("as_pages %s: more than one page" % name, pages >= len(want) // per, pages)
            return seen

        paged("get_objects", coll.get_objects, 5, after_s, added_after=s)
        paged("get_manifest", coll.get_manifest, 5, after_s, added_after=s)

        # Manifest and versions.
        man = coll.get_manifest(id=x_id, version="all")
        self.empty_lists(man)
        entries = man.get("objects", [])
        c.ok("manifest: match[version]=all lists three versions",
             sorted(instant(m["version"]) for m in entries) == [w1, w2, w3],
             entries)
        c.ok("manifest: entries have id, date_added, version, media_type",
             all({"id", "date_added", "version", "media_type"} <= set(m) for m in entries), entries[:1])
        c.ok("manifest: media_type STIX 2.1", all(m.get("media_type", "").replace(" ", "") ==
                                                   "application/stix+json;version=2.1" for m in entries), entries[:1])
        man = coll.get_manifest(id=x_id)
        self.empty_lists(man)
        c.ok("manifest: latest version by default", [instant(m["version"]) for m in man.get("objects", [])] == [w3],
             man)
        vers = coll.object_versions(x_id)
        self.empty_lists(vers)
        c.ok("versions: every version", sorted(map(instant, vers.get("versions", []))) == [w1, w2, w3], vers)
        c.ok("versions: more is false", vers.get("more") in (False, None), vers.get("more"))

        # The whole collection, paged: no duplicate, ours in it.
        seen = set()
        dup = 0
        for page in as_pages(coll.get_objects, per_request=100):
            for o in page.get("objects", []):
                k = (o["id"], instant(o.get("modified")))
                dup += k in seen
                seen.add(k)
            self.remember(page.get("objects"))
            if len(seen) > 200000:
                break
        c.ok("as_pages whole collection: no duplicate", dup == 0, dup)
        c.ok("as_pages whole collection: every posted object (latest versions)", set(after_s) <= seen,
             len(set(after_s) - seen))

        # Errors the client hides.
        self.errors(root, coll, x_id)
        # Other callers: read-only, denied.
        for ro in t["readonly"]:
            self.readonly(ro, root)
        for d in t["denied"]:
            self.denied(d, root, x_id, a[2])

        # Delete.
        coll.delete_object(x_id, version=v1)
        vers = coll.object_versions(x_id)
        self.empty_lists(vers)
        c.ok("delete match[version]=<v1>: the other versions stay",
             sorted(map(instant, vers.get("versions", []))) == [w2, w3], vers)
        coll.delete_object(x_id, version="all")
        st_code = None
        try:
            coll.get_object(x_id)
        except requests.HTTPError as e:
            st_code = http_status(e)
        c.ok("delete match[version]=all: the object is gone (404)", st_code == 404, st_code)
        man = coll.get_manifest(id=x_id, version="all")
        self.empty_lists(man)
        c.ok("delete: the manifest lists it no more", not man.get("objects"), man)
        if not keep:
            for o in [sentinel] + a[:-1] + b[:-2]:
                try:
                    coll.delete_object(o["id"], version="all")
                except requests.HTTPError as e:
                    c.ok("delete %s" % o["id"], False, http_status(e))
            env = coll.get_objects(added_after=s)
            self.empty_lists(env)
            c.ok("delete: nothing posted by the walk is left", not env.get("objects"), len(env.get("objects", [])))

        # Everything served back, validated.
        bad = []
        for k, o in self.served.items():
            r = validate_parsed_json(o, ValidationOptions(version="2.1"))
            if not r.is_valid:
                bad.append((k, [str(e) for e in r.errors][:2]))
        c.ok("stix2-validator: every object served back is valid (%d objects)" % len(self.served), not bad, bad[:3])
        changed = [k for k, o in self.posted.items() if k in self.served and self.served[k] != o]
        c.ok("no empty list in the resources served (§2 list: omitted instead)", not self.empty,
             sorted(set(self.empty)))
        c.ok("served objects are the posted objects, unchanged", not changed, changed[:3])

    def errors(self, root, coll, x_id):
        c = self.c
        t = self.t
        objects_url = coll.url + "objects/"
        r, _ = Http(t["writer"]["user"], "wrong-" + uuid.uuid4().hex).call("GET", t["discovery"])
        c.ok("401: wrong password", r.status_code == 401, r.status_code)
        c.ok("401: WWW-Authenticate", "basic" in r.headers.get("WWW-Authenticate", "").lower(),
             r.headers.get("WWW-Authenticate"))
        r, _ = Http().call("GET", objects_url)
        c.ok("401: no credentials on objects", r.status_code == 401, r.status_code)
        r, _ = self.raw.call("GET", objects_url, accept="application/json")
        c.ok("406: Accept application/json", r.status_code == 406, r.status_code)
        r, _ = self.raw.call("GET", objects_url, accept="application/taxii+json;version=2.0")
        c.ok("406: Accept TAXII 2.0", r.status_code == 406, r.status_code)
        body = envelope([indicator(1, dt.datetime(2026, 1, 1))])
        r, _ = self.raw.call("POST", objects_url, body=body, content_type="application/json")
        c.ok("415: Content-Type application/json", r.status_code == 415, r.status_code)
        r, js = self.raw.call("GET", root.url + "collections/%s/objects/" % uuid.uuid4())
        c.ok("404: unknown collection", r.status_code == 404, r.status_code)
        c.ok("404: body has no objects", not (js or {}).get("objects"), js)
        r, _ = self.raw.call("GET", objects_url + "indicator--%s/" % uuid.uuid4())
        c.ok("404: unknown object", r.status_code == 404, r.status_code)
        r, _ = self.raw.call("GET", root.url + "status/%s/" % uuid.uuid4())
        c.ok("404: unknown status", r.status_code == 404, r.status_code)

    def client_collection(self, who, root, cid):
        """A taxii2-client Collection that believes it may read and write, so every request reaches
        the server (the client refuses locally when can_read/can_write are false)."""
        url = root.url + "collections/%s/" % cid
        info = {"id": cid, "title": "?", "can_read": True, "can_write": True, "media_types": []}
        col = Collection(url, user=who["user"], password=who["password"], collection_info=info)
        self.hook(col._conn)
        return col

    def readonly(self, ro, root):
        c = self.c
        label = "read-only (%s)" % ro["label"]
        server = Server(self.t["discovery"], user=ro["user"], password=ro["password"])
        r2 = server.default or server.api_roots[0]
        listed = {x.id: x for x in r2.collections}.get(ro["collection"])
        c.ok(label + ": collection listed, can_read true, can_write false",
             listed is not None and listed.can_read and not listed.can_write,
             listed and (listed.can_read, listed.can_write))
        col = self.client_collection(ro, root, ro["collection"])
        env = c.step(label + ": get_objects", lambda: col.get_objects(limit=50))
        if env is not None:
            c.ok(label + ": get_objects answers 200", True)
            self.remember(env.get("objects"))
        code = None
        try:
            col.add_objects(envelope([indicator(1, dt.datetime(2026, 1, 1))]), wait_for_completion=False)
        except requests.HTTPError as e:
            code = http_status(e)
        c.ok(label + ": add_objects answers 403 (§5.5)", code == 403, code)

    def denied(self, d, root, x_id, a_obj):
        c = self.c
        label = "denied (%s)" % d["label"]
        cid = d["collection"]
        server = Server(self.t["discovery"], user=d["user"], password=d["password"])
        r2 = c.step(label + ": discovery", lambda: server.default or server.api_roots[0])
        if r2 is not None:
            listed = {x.id: x for x in r2.collections}.get(cid)
            c.ok(label + ": collection not listed, or listed with can_read false",
                 listed is None or not listed.can_read, listed and listed.can_read)
        col = self.client_collection(d, root, cid)
        calls = [
            ("get a collection", lambda: Collection(col.url, user=d["user"], password=d["password"]).refresh(), True),
            ("get_objects", lambda: col.get_objects(), False),
            ("get_objects added_after", lambda: col.get_objects(added_after="2000-01-01T00:00:00.000000Z"), False),
            ("get_object", lambda: col.get_object(x_id), False),
            ("get_object (posted by the writer)", lambda: col.get_object(a_obj["id"]), False),
            ("get_manifest", lambda: col.get_manifest(), False),
            ("object_versions", lambda: col.object_versions(a_obj["id"]), False),
            ("delete_object", lambda: col.delete_object(a_obj["id"]), False),
            ("add_objects", lambda: col.add_objects(envelope([indicator(1, dt.datetime(2026, 1, 1))]),
                                                    wait_for_completion=False), False),
        ]
        for name, fn, may_200 in calls:
            code, body = None, None
            try:
                res = fn()
                code = 200
                body = res
            except requests.HTTPError as e:
                code = http_status(e)
                try:
                    body = e.response.json()
                except ValueError:
                    body = None
            if may_200 and code == 200:
                col2 = Collection(col.url, user=d["user"], password=d["password"])
                c.ok(label + ": %s answers can_read false" % name, not col2.can_read, col2.can_read)
                continue
            c.ok(label + ": %s answers 403 or 404" % name, code in (403, 404), code)
            c.ok(label + ": %s returns no object" % name, not (isinstance(body, dict) and body.get("objects")),
                 str(body)[:200])
        # Nothing the denied caller tried changed the writer's collection.
        env = self.coll.get_objects(id=a_obj["id"])
        c.ok(label + ": the writer's object is still there", [o["id"] for o in env.get("objects", [])] == [a_obj["id"]])
        if d.get("other_org"):
            r, js = Http(d["user"], d["password"]).call("GET", root.url + "status/%s/" % self.status_id)
            c.ok(label + ": another organisation's status resource answers 404", r.status_code == 404, r.status_code)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("--keep-objects", action="store_true", help="do not delete what the walk posted")
    args = ap.parse_args()
    target = load_target(args.target)
    walk = Walk(target)
    try:
        walk.run(args.keep_objects)
    except Exception as e:  # noqa: BLE001
        walk.c.ok("walk ran to the end", False, "%s: %s" % (type(e).__name__, e))
        traceback.print_exc(file=sys.stdout)
    c = walk.c
    if c.failed:
        print("failed checks:")
        for f in c.failed:
            print("  " + f)
    print("taxii walk [%s]: %d passed, %d failed" % (target["name"], c.passed, len(c.failed)))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
