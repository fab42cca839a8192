#!/usr/bin/env python3
"""Writes one MISP event (`{"Event": {...}}`) of N attributes for bench/misp_import.sh.

Deterministic (seeded): a mix of the types CERTs exchange — domains, IPv4 destinations, URLs,
SHA-256 hashes, phone numbers, IBANs, bitcoin addresses — about 70 % `to_ids` (indicators), the
rest observed-data; every 50th attribute in a `bank-account` or `domain-ip` object instead.
Usage: gen_misp_event.py N OUT.json
       gen_misp_event.py --feed EVENTS N DIR   (a MISP feed: manifest.json and EVENTS files of
                                                N attributes each)
"""
import json
import os
import random
import sys
import uuid

FEED = sys.argv[1] == "--feed"
if FEED:
    events, n, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
else:
    events, n, out = 1, int(sys.argv[1]), sys.argv[2]
rnd = random.Random(20261201)
NS = uuid.UUID("2f0c9a3e-51b7-4d2a-9c1e-7a6b5d4c3b2a")
TS = 1772400000


def uid(*parts):
    return str(uuid.uuid5(NS, "|".join(map(str, parts))))


def value(kind, i):
    if kind == "domain":
        return f"scam-{i}.example"
    if kind == "ip-dst":
        return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    if kind == "url":
        return f"https://pay-{i}.example/verify?id={rnd.randrange(1 << 30)}"
    if kind == "sha256":
        return "%064x" % rnd.getrandbits(256)
    if kind == "phone-number":
        return f"+6591{i % 1000000:06d}"
    if kind == "iban":
        # A German IBAN with a valid mod-97 check: bank code + account from i.
        bban = f"{37040044:08d}{i % 10**10:010d}"
        rearranged = bban + "1314" + "00"  # DE = 13 14
        check = 98 - int(rearranged) % 97
        return f"DE{check:02d}{bban}"
    return "1" + "".join(rnd.choice("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz") for _ in range(32))


KINDS = ["domain", "ip-dst", "url", "sha256", "phone-number", "iban", "btc"]


def event(e, base):
    """Event number e, its attributes numbered from base."""
    attributes, objects = [], []
    for i in range(base, base + n):
        kind = KINDS[i % len(KINDS)]
        a = {"uuid": uid("a", i), "type": kind, "category": "Network activity", "value": value(kind, i),
             "to_ids": rnd.random() < 0.7, "timestamp": str(TS), "distribution": "5"}
        if i % 50 == 49:
            if kind == "iban":
                objects.append({"uuid": uid("o", i), "name": "bank-account", "timestamp": str(TS),
                                "Attribute": [dict(a, object_relation="iban")]})
            else:
                objects.append({"uuid": uid("o", i), "name": "domain-ip", "timestamp": str(TS),
                                "Attribute": [dict(a, type="domain", value=f"obj-{i}.example", object_relation="domain"),
                                              dict(a, uuid=uid("b", i), type="ip-dst", value=value("ip-dst", i), object_relation="ip")]})
        else:
            attributes.append(a)
    return {"Event": {"uuid": uid("event", e), "info": f"Benchmark event {e} of {n} attributes",
                      "date": "2026-03-01", "timestamp": str(TS), "distribution": "1",
                      "Tag": [{"name": "tlp:green"}], "Attribute": attributes, "Object": objects}}


if FEED:
    os.makedirs(out, exist_ok=True)
    manifest = {}
    for e in range(events):
        ev = event(e, e * n)
        u = ev["Event"]["uuid"]
        manifest[u] = {"info": ev["Event"]["info"], "timestamp": str(TS)}
        with open(os.path.join(out, f"{u}.json"), "w") as f:
            json.dump(ev, f)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f)
else:
    with open(out, "w") as f:
        json.dump(event(0, 0), f)
