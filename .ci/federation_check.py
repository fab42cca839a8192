"""Federation with a foreign TAXII 2.1 peer (.ci/legs/70-federation.sh): a simpul node syncs with
medallion 3.0.0 or OpenTAXII 0.9.3 as a peer, in both directions, with `simpul peer sync`.

    federation_check.py NAME SIMPUL_BIN SIMPUL_DATA SIMPUL_BASE SIMPUL_TOKEN LOCAL_COLLECTION PEER_TARGET

PEER_TARGET is a target file (.ci/taxii_common.py): the peer's discovery and a writer with a
collection. The check writes fresh objects on both sides — GREEN ones, and one TLP:RED and one
AMBER+STRICT each — runs a round, and checks: every GREEN object of the peer is now served by
simpul (to the node's analyst) and every GREEN object of simpul by the peer; no RED or AMBER+STRICT
object crossed either way; a second round pulls and pushes nothing; nothing is duplicated. Prints
`federation NAME: N passed, 0 failed` or exits non-zero naming what differed.
"""

import datetime as dt
import json
import subprocess
import sys
import uuid

import requests

from taxii_common import TAXII, indicator

RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

name, simpul_bin, data, base, token, local, target_path = sys.argv[1:]
target = json.load(open(target_path))
w = target["writer"]
passed = 0


def check(ok, what):
    global passed
    if not ok:
        sys.exit("federation %s: %s" % (name, what))
    passed += 1


def marked(o, m):
    o = dict(o)
    o["object_marking_refs"] = [m]
    return o


def fresh(n, run):
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return indicator(n, now, run=run)


def simpul(*args, stdin=""):
    cmd = ["env", "-u", "SIMPUL_CONFIG", "-u", "SIMPUL_DATABASE", simpul_bin, "peer", *args, "--data", data]
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    return r


def peer_collection_url():
    disc = requests.get(target["discovery"], auth=(w["user"], w["password"]),
                        headers={"Accept": TAXII}, timeout=30).json()
    root = disc.get("default") or disc["api_roots"][0]
    root = requests.compat.urljoin(target["discovery"], root)
    if not root.endswith("/"):
        root += "/"
    return root + "collections/%s/" % w["collection"]


def all_objects(url, auth=None, bearer=None):
    out, nxt = [], None
    while True:
        params = {"limit": 500, "match[version]": "all"}
        if nxt:
            params["next"] = nxt
        h = {"Accept": TAXII}
        if bearer:
            h["Authorization"] = "Bearer " + bearer
        r = requests.get(url + "objects/", params=params, headers=h, auth=auth, timeout=60)
        check(r.status_code == 200, "GET %s: %s %s" % (url, r.status_code, r.text[:200]))
        if not r.text.strip():
            return out
        env = r.json()
        out.extend(env.get("objects", []))
        if env.get("more") and env.get("next"):
            nxt = env["next"]
        else:
            return out


run = uuid.uuid4().hex[:8]
peer_url = peer_collection_url()
# The peer's objects: 40 GREEN, one RED, one AMBER+STRICT.
theirs = [marked(fresh(n, "peer-" + run), GREEN) for n in range(40)]
their_kept = [marked(fresh(100, "peer-red-" + run), RED), marked(fresh(101, "peer-strict-" + run), STRICT)]
r = requests.post(peer_url + "objects/", json={"objects": theirs + their_kept}, auth=(w["user"], w["password"]),
                  headers={"Accept": TAXII, "Content-Type": TAXII}, timeout=60)
check(r.status_code in (200, 202), "posting to the peer: %s %s" % (r.status_code, r.text[:300]))
# Simpul's: 30 GREEN, one AMBER+STRICT (RED needs named recipients: named to the peer's account).
ours = [marked(fresh(n, "simpul-" + run), GREEN) for n in range(30)]
bundle = {"type": "bundle", "id": "bundle--%s" % uuid.uuid4(), "objects": ours + [marked(fresh(200, "s-strict-" + run), STRICT)]}
r = requests.post("%s/api/v1/collections/%s/objects" % (base, local), json=bundle,
                  headers={"Authorization": "Bearer " + token}, timeout=60)
check(r.status_code == 200 and len(r.json()["stored"]) == 31, "sharing on simpul: %s" % r.text[:300])
red = marked(fresh(201, "s-red-" + run), RED)
r = requests.post("%s/api/v1/collections/%s/objects?recipients=peer@foreign.example" % (base, local),
                  json={"type": "bundle", "id": "bundle--%s" % uuid.uuid4(), "objects": [red]},
                  headers={"Authorization": "Bearer " + token}, timeout=60)
check(r.status_code == 200 and len(r.json()["stored"]) == 1, "sharing RED on simpul: %s" % r.text[:300])
our_kept = [bundle["objects"][-1], red]

add = simpul("add", name, "--url", target["discovery"], "--user", w["user"], "--password-stdin",
             "--direction", "both", "--map", "%s=%s" % (w["collection"], local), "--as", "peer@foreign.example",
             stdin=w["password"] + "\n")
check(add.returncode == 0, "peer add: %s" % add.stderr)
sync = simpul("sync", name)
check(sync.returncode == 0, "peer sync: %s%s" % (sync.stdout, sync.stderr))
print("federation %s: first round: %s" % (name, sync.stdout.strip()))

at_simpul = all_objects("%s/taxii2/api/collections/%s/" % (base, local), bearer=token)
at_peer = all_objects(peer_url, auth=(w["user"], w["password"]))
simpul_ids = [o["id"] for o in at_simpul]
peer_ids = [o["id"] for o in at_peer]
check(len(simpul_ids) == len(set(simpul_ids)), "simpul holds a duplicate")
check(len(peer_ids) == len(set(peer_ids)), "the peer holds a duplicate")
for o in theirs:
    check(o["id"] in simpul_ids, "pulled: %s missing on simpul" % o["id"])
for o in ours:
    check(o["id"] in peer_ids, "pushed: %s missing at the peer" % o["id"])
for o in their_kept:
    check(o["id"] not in simpul_ids, "pulled a %s object" % o["object_marking_refs"][0])
for o in our_kept:
    check(o["id"] not in peer_ids, "pushed a %s object" % o["object_marking_refs"][0])
again = simpul("sync", name)
check(again.returncode == 0, "second round: %s" % again.stderr)
check(again.stdout.startswith("pulled 0 pushed 0 "), "second round moved objects: %s" % again.stdout)
listed = simpul("list")
check(name in listed.stdout and w["password"] not in listed.stdout, "peer list: %s" % listed.stdout)
print("federation %s: %d passed, 0 failed" % (name, passed))
