"""Shared pieces of the TAXII 2.1 reference-tool checks (.ci/taxii_walk.py, .ci/taxii_compare.py,
bench/taxii.sh): the description of a server under test (a "target"), fresh STIX objects, raw HTTP,
and the configuration of a medallion 3.0.0 instance (memory backend) seeded at run time.

A target is a JSON file:

    {"name": "simpul",
     "discovery": "http://127.0.0.1:PORT/taxii2/",
     "writer":   {"user": EMAIL, "password": SECRET, "collection": ID},
     "readonly": [{"label": ..., "user": ..., "password": ..., "collection": ID}],
     "denied":   [{"label": ..., "user": ..., "password": ..., "collection": ID, "other_org": true}]}

`writer` may read and write `collection`; each `readonly` entry may read its collection but not
write it; each `denied` entry may not read its collection (its objects must be answered 403/404).
`other_org` marks a caller of another organisation than the writer's, who must not see the
writer's status resources either. Everything server-specific is in the target; the walk and the
comparison find every URL from the discovery resource.

As a script: `taxii_common.py medallion DIR PORT` writes DIR/medallion.json (medallion's
configuration: users, discovery, one API root with a writable, a read-only and an unreadable
collection, the last two seeded with one object each) and DIR/medallion-target.json.
"""

import datetime as dt
import json
import os
import re
import sys
import uuid

import requests

TAXII = "application/taxii+json;version=2.1"
STIX21 = "application/stix+json;version=2.1"
# TAXII 2.1 §2 (timestamp): RFC 3339, UTC, "Z", exactly microsecond precision.
TAXII_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
STIX_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def load_target(path):
    with open(path) as f:
        t = json.load(f)
    t.setdefault("readonly", [])
    t.setdefault("denied", [])
    return t


def stix_time(t):
    """A STIX timestamp with millisecond precision."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def parse_time(s):
    s = s.rstrip("Z")
    if "." in s:
        head, frac = s.split(".")
        s = head + "." + (frac + "000000")[:6]
        return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f")
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S")


def instant(s):
    """A STIX or TAXII timestamp as one canonical string (microseconds), to compare versions that
    servers write in either form (`…00.193Z` and `…00.193000Z` are the same instant)."""
    if not isinstance(s, str):
        return s
    try:
        return parse_time(s).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return s


def indicator(n, created, modified=None, oid=None, run=""):
    """A fresh indicator of about 400 bytes (the size of the performance inputs)."""
    oid = oid or "indicator--%s" % uuid.uuid4()
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": oid,
        "created": stix_time(created),
        "modified": stix_time(modified or created),
        "name": "Phishing domain login-%d.taxii-check.example" % n,
        "description": "Credential-phishing site seen in SMS lures (TAXII check %s, object %d)." % (run, n),
        "indicator_types": ["malicious-activity"],
        "pattern": "[domain-name:value = 'login-%d.taxii-check.example']" % n,
        "pattern_type": "stix",
        "valid_from": stix_time(created),
        "labels": ["phishing"],
    }


def malware(n, created, run=""):
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--%s" % uuid.uuid4(),
        "created": stix_time(created),
        "modified": stix_time(created),
        "name": "Banking trojan %d (TAXII check %s)" % (n, run),
        "malware_types": ["trojan"],
        "is_family": True,
    }


def envelope(objects):
    return {"objects": objects}


class Http:
    """Raw requests (for what taxii2-client hides: headers, status codes, error bodies)."""

    def __init__(self, user=None, password=None, timeout=120):
        self.timeout = timeout
        self.s = requests.Session()
        if user is not None:
            self.s.auth = (user, password)

    def call(self, method, url, accept=TAXII, params=None, body=None, content_type=TAXII, headers=None):
        h = {}
        if accept is not None:
            h["Accept"] = accept
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if content_type is not None:
                h["Content-Type"] = content_type
        h.update(headers or {})
        r = self.s.request(method, url, params=params, data=data, headers=h, timeout=self.timeout)
        try:
            js = r.json() if r.content else None
        except ValueError:
            js = None
        return r, js


def api_root_url(discovery_url, user, password):
    """The default API root (or the first one) from the discovery resource."""
    r, js = Http(user, password).call("GET", discovery_url)
    r.raise_for_status()
    root = js.get("default") or js["api_roots"][0]
    return requests.compat.urljoin(discovery_url, root)


def medallion(directory, port):
    """Writes a medallion configuration and the matching target; returns the target."""
    base = "http://127.0.0.1:%d" % port
    root = base + "/api1/"
    password = "medallion-%s" % uuid.uuid4().hex
    ids = {k: str(uuid.uuid4()) for k in ("rw", "ro", "denied")}
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    seeded = {}
    for k in ("ro", "denied"):
        o = indicator(0, now - dt.timedelta(days=1), run="seed")
        seeded[k] = o
    added = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def collection(key, title, alias, can_read, can_write):
        c = {
            "id": ids[key],
            "title": title,
            "description": "TAXII check collection (%s)" % alias,
            "alias": alias,
            "can_read": can_read,
            "can_write": can_write,
            "media_types": [STIX21],
            "objects": [],
            "manifest": [],
        }
        if key in seeded:
            o = seeded[key]
            c["objects"].append(o)
            c["manifest"].append({"id": o["id"], "date_added": added, "version": o["modified"], "media_type": STIX21})
        return c

    data = {
        "/discovery": {
            "title": "medallion (TAXII check)",
            "description": "The OASIS reference TAXII 2.1 server, memory backend",
            "contact": "ci@taxii-check.example",
            "default": root,
            "api_roots": [root],
        },
        "api1": {
            "information": {
                "title": "TAXII check API root",
                "description": "One API root with three collections",
                "versions": [TAXII],
                "max_content_length": 10485760,
            },
            "status": [],
            "collections": [
                collection("rw", "Writable", "rw", True, True),
                collection("ro", "Read-only", "ro", True, False),
                collection("denied", "Unreadable", "denied", False, False),
            ],
        },
    }
    os.makedirs(directory, exist_ok=True)
    data_path = os.path.join(directory, "medallion-data.json")
    with open(data_path, "w") as f:
        json.dump(data, f, indent=1)
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": data_path,
            # Paging sessions (`next`) are kept this long; the default, 30 s, is shorter than a
            # paged read of a large collection takes medallion.
            "session_timeout": 3600,
            "check_interval": 60,
        },
        "users": {"writer": password},
        "taxii": {"max_page_size": 1000},
    }
    with open(os.path.join(directory, "medallion.json"), "w") as f:
        json.dump(config, f, indent=1)
    # medallion's can_read/can_write belong to a collection, not to a caller: the read-only and the
    # denied walks use the writer's credentials on the other two collections.
    target = {
        "name": "medallion",
        "discovery": base + "/taxii2/",
        "writer": {"user": "writer", "password": password, "collection": ids["rw"]},
        "readonly": [{"label": "read-only collection", "user": "writer", "password": password, "collection": ids["ro"]}],
        "denied": [{"label": "unreadable collection", "user": "writer", "password": password,
                    "collection": ids["denied"], "other_org": False}],
    }
    with open(os.path.join(directory, "medallion-target.json"), "w") as f:
        json.dump(target, f, indent=1)
    return target


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "medallion":
        medallion(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: taxii_common.py medallion DIR PORT")
