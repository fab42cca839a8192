#!/usr/bin/env python3
"""simpul's MISP → STIX 2.1 conversion against misp-stix's, on a corpus built with PyMISP.

Usage: misp_stix_crosscheck.py SIMPUL_BIN DATA_DIR COLLECTION USER DIFFERENCES_MD [--events N] [--seed S]

The corpus: N MISP events (PyMISP `MISPEvent`/`MISPObject`), each with one `to_ids` attribute of every
common type (network, e-mail, file, host) and of the financial-fraud types (phone-number, iban, bic,
bank-account-nr, btc, xmr, cc-number), and one object of each scam-related template (bank-account,
coin-address, phishing, android-app, telegram-account, domain-ip, url, file, email); values are drawn
from a seeded generator, so a run is repeatable.

simpul's side goes through the user's paths: `simpul import` of the events into COLLECTION as USER,
then `simpul export --format stix`. misp-stix's side is `MISPtoSTIX21Parser.parse_misp_event`.

Compared, per MISP attribute or object uuid (both keep it as `indicator--<uuid>`): whether each
converter made an indicator, and the set of values its pattern compares with. A comparison that only
names an SCO's type (misp-stix's `network-traffic:dst_ref.type = 'ipv4-addr'`) carries no value and is
left out; hashes compare case-insensitively; numbers and strings compare as text.

Each disagreement has a kind, `attr:<type>:<outcome>` or `obj:<template>:<outcome>`, with outcome
`only-simpul`, `only-misp-stix` or `values`. A kind listed in DIFFERENCES_MD (first backquoted cell of
a table row) is a justified difference; any other fails the run. The last line is
`misp-stix: N passed, 0 failed` (every compared indicator that agrees or differs as listed).
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict

from misp_stix_converter import MISPtoSTIX21Parser
from pymisp import MISPEvent, MISPObject, MISPOrganisation

HEX = "0123456789abcdef"


def hexs(rng, n):
    return "".join(rng.choice(HEX) for _ in range(n))


def word(rng, n=8):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def ipv4(rng):
    # Documentation and benchmarking ranges: never a real host.
    block = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
    return "%s.%d" % (block, rng.randint(1, 254))


def ipv6(rng):
    return "2001:db8:%x:%x::%x" % (rng.randint(1, 0xFFFF), rng.randint(1, 0xFFFF), rng.randint(1, 0xFFFF))


def domain(rng):
    return "%s.%s.example" % (word(rng, 6), word(rng, 5))


def iban(rng):
    # A German IBAN with a correct check (ISO 13616 mod 97).
    bban = "%08d%010d" % (rng.randint(10000000, 99999999), rng.randint(0, 9999999999))
    digits = bban + "131400"  # D=13 E=14, then 00
    check = 98 - int(digits) % 97
    return "DE%02d%s" % (check, bban)


BTC = ["1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
       "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"]
XMR = ["44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"]


def attribute_values(rng):
    """(MISP type, value) for one attribute of each type the corpus covers."""
    d = domain(rng)
    return [
        ("ip-src", ipv4(rng)),
        ("ip-dst", ipv4(rng)),
        ("ip-dst", ipv6(rng)),
        ("ip-src|port", "%s|%d" % (ipv4(rng), rng.randint(1, 65535))),
        ("ip-dst|port", "%s|%d" % (ipv4(rng), rng.randint(1, 65535))),
        ("domain", d),
        ("hostname", "www." + d),
        ("domain|ip", "%s|%s" % (domain(rng), ipv4(rng))),
        ("url", "https://%s/%s/login.php" % (domain(rng), word(rng, 5))),
        ("email", "%s@%s" % (word(rng, 6), domain(rng))),
        ("email-src", "%s@%s" % (word(rng, 6), domain(rng))),
        ("email-dst", "%s@%s" % (word(rng, 6), domain(rng))),
        ("email-subject", "Your parcel %s is held at customs" % word(rng, 4).upper()),
        ("md5", hexs(rng, 32)),
        ("sha1", hexs(rng, 40)),
        ("sha256", hexs(rng, 64)),
        ("sha512", hexs(rng, 128)),
        ("filename", "%s.apk" % word(rng, 7)),
        ("filename|md5", "%s.exe|%s" % (word(rng, 7), hexs(rng, 32))),
        ("filename|sha256", "%s.dll|%s" % (word(rng, 7), hexs(rng, 64))),
        ("AS", "AS%d" % rng.randint(64496, 64511)),
        ("mac-address", ":".join(hexs(rng, 2) for _ in range(6))),
        ("mutex", "Global\\%s" % word(rng, 10)),
        ("regkey", "HKLM\\Software\\%s\\Run" % word(rng, 6)),
        ("user-agent", "Mozilla/5.0 (%s)" % word(rng, 8)),
        ("phone-number", "+65%d" % rng.randint(80000000, 99999999)),
        ("iban", iban(rng)),
        ("bic", "DEUTDEFF%s" % rng.choice(["", "500"])),
        ("bank-account-nr", "%d" % rng.randint(100000000, 999999999)),
        ("btc", rng.choice(BTC)),
        ("xmr", rng.choice(XMR)),
        ("cc-number", "4111111111111111"),
    ]


def objects(rng):
    """(template, [(relation, value)]) for one object of each template the corpus covers."""
    d = domain(rng)
    return [
        ("bank-account", [("iban", iban(rng)), ("swift", "DEUTDEFF"), ("account", "%d" % rng.randint(10 ** 8, 10 ** 9))]),
        ("coin-address", [("address", rng.choice(BTC))]),
        ("phishing", [("url", "https://%s/verify" % d), ("hostname", d)]),
        ("android-app", [("appid", "com.%s.bank" % word(rng, 6)), ("name", "%s Bank" % word(rng, 5).title()),
                         ("sha256", hexs(rng, 64))]),
        ("telegram-account", [("username", word(rng, 9)), ("phone", "+84%d" % rng.randint(900000000, 999999999))]),
        ("domain-ip", [("domain", domain(rng)), ("ip", ipv4(rng))]),
        ("url", [("url", "http://%s/%s" % (domain(rng), word(rng, 4)))]),
        ("file", [("filename", "%s.zip" % word(rng, 6)), ("md5", hexs(rng, 32)), ("sha256", hexs(rng, 64))]),
        ("email", [("from", "%s@%s" % (word(rng, 5), domain(rng))), ("subject", "Refund %s" % word(rng, 4))]),
    ]


def build_corpus(n, seed):
    """N events as MISP JSON documents, and what each uuid is (`attr:<type>` or `obj:<template>`)."""
    rng = random.Random(seed)
    stamp = int(time.time()) - 3600
    kinds = {}
    events = []
    for i in range(n):
        e = MISPEvent()
        e.uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        e.info = "misp-stix cross-check event %d" % i
        e.distribution = 1
        e.threat_level_id = 2
        e.analysis = 1
        e.date = time.strftime("%Y-%m-%d", time.gmtime(stamp))
        e.timestamp = stamp
        org = MISPOrganisation()
        org.name, org.uuid = "MyCERT", "d2d3ea5e-33a9-4e59-b42f-924a4cdcf922"
        e.Orgc = org
        e.add_tag("tlp:green")
        for ty, value in attribute_values(rng):
            a = e.add_attribute(ty, value, to_ids=True, uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
            a.timestamp = stamp
            kinds[a.uuid] = "attr:" + ty
        for template, rels in objects(rng):
            o = MISPObject(template, strict=True)
            o.uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            o.timestamp = stamp
            for rel, value in rels:
                a = o.add_attribute(rel, value=value, to_ids=True)
                a.uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                a.timestamp = stamp
            e.add_object(o)
            kinds[o.uuid] = "obj:" + template
        events.append(json.loads(e.to_json()))
    return events, kinds


COMPARISON = re.compile(
    r"([a-z0-9_-]+:[^\s=!<>]+)\s*(?:=|!=|LIKE|MATCHES|<=|>=|<|>|IN|ISSUBSET|ISSUPERSET)\s*"
    r"('(?:[^'\\]|\\.)*'|[-0-9.]+|[a-z]'[^']*')",
    re.IGNORECASE,
)


def pattern_values(pattern):
    """The values a pattern compares with, normalised (see the module's doc)."""
    out = set()
    for path, lit in COMPARISON.findall(pattern):
        if path.endswith(".type") or path.endswith(":type"):
            continue
        if lit.startswith("'"):
            v = re.sub(r"\\(.)", r"\1", lit[1:-1])
        else:
            v = lit
        if "hashes" in path:
            v = v.lower()
        out.add(v)
    return out


def indicators_of(bundle_objects):
    return {o["id"].split("--", 1)[1]: o for o in bundle_objects if o.get("type") == "indicator"}


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit("misp-stix cross-check: %s failed (exit %d): %s" % (cmd[1], p.returncode, p.stderr.strip()[-2000:]))
    return p


def listed_kinds(md_path):
    kinds = set()
    with open(md_path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
            if m:
                kinds.add(m.group(1))
    return kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("simpul")
    ap.add_argument("data")
    ap.add_argument("collection")
    ap.add_argument("user")
    ap.add_argument("differences")
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2350)
    a = ap.parse_args()

    events, kinds = build_corpus(a.events, a.seed)
    env = {k: v for k, v in os.environ.items() if k not in ("SIMPUL_CONFIG", "SIMPUL_DATABASE")}

    # misp-stix's side.
    theirs = {}
    for ev in events:
        parser = MISPtoSTIX21Parser()
        parser.parse_misp_event(ev)
        theirs.update(indicators_of(json.loads(parser.bundle.serialize())["objects"]))

    # simpul's side, through `simpul import` and `simpul export`.
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, ev in enumerate(events):
            path = os.path.join(tmp, "event-%03d.json" % i)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(ev, f)
            paths.append(path)
        imp = run([a.simpul, "import", "--data", a.data, "--as", a.user, "--collection", a.collection] + paths, env=env)
        print("simpul import: " + " ".join((imp.stdout + imp.stderr).strip().splitlines()[-1:]), file=sys.stderr)
        out = os.path.join(tmp, "export.json")
        run([a.simpul, "export", "--data", a.data, "--as", a.user, "--collection", a.collection,
             "--format", "stix", "-o", out], env=env)
        with open(out, encoding="utf-8") as f:
            ours = indicators_of(json.load(f)["objects"])

    listed = listed_kinds(a.differences)
    results = Counter()
    unexpected = defaultdict(list)
    seen_kinds = set()
    for uid, kind in sorted(kinds.items()):
        mine, other = ours.get(uid), theirs.get(uid)
        if mine is None and other is None:
            outcome = "neither"
        elif other is None:
            outcome = "only-simpul"
        elif mine is None:
            outcome = "only-misp-stix"
        elif pattern_values(mine["pattern"]) == pattern_values(other["pattern"]):
            outcome = "agree"
        else:
            outcome = "values"
        key = "%s:%s" % (kind, outcome)
        if outcome == "agree":
            results["agree"] += 1
        elif key in listed:
            results["listed"] += 1
            seen_kinds.add(key)
        else:
            results["unexpected"] += 1
            unexpected[key].append((uid, mine and mine["pattern"], other and other["pattern"]))

    for key, cases in sorted(unexpected.items()):
        uid, mine, other = cases[0]
        print("UNEXPECTED %s (%d×), e.g. %s\n  simpul:    %s\n  misp-stix: %s" % (key, len(cases), uid, mine, other))
    for key in sorted(listed - seen_kinds):
        print("note: listed difference %s did not occur in this corpus" % key, file=sys.stderr)
    compared = sum(results.values())
    print("misp-stix cross-check (seed %d, %d events): %d indicators compared, %d agree, %d listed differences, %d unexpected"
          % (a.seed, a.events, compared, results["agree"], results["listed"], results["unexpected"]))
    print("misp-stix: %d passed, %d failed" % (results["agree"] + results["listed"], results["unexpected"]))
    return 1 if results["unexpected"] else 0


if __name__ == "__main__":
    sys.exit(main())
