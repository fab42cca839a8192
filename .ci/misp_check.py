#!/usr/bin/env python3
"""MISP round trip and feed, with PyMISP as the oracle (used by .ci/legs/65-misp.sh).

  misp_check.py corpus OUT.json          events built with PyMISP (common and financial-fraud
                                         attribute types, objects with references, tags)
  misp_check.py export CORPUS EXPORT     `simpul export --format misp` of the imported corpus:
                                         every event loads with MISPEvent().load(); each corpus
                                         event comes back with its uuids, types, categories,
                                         values, to_ids, comments, tags, objects, references,
                                         timestamps, galaxy clusters and sightings
  misp_check.py feed CORPUS BASE TOKEN DENIED
                                         the feed at BASE (…/feeds/misp/<collection>/): the
                                         manifest lists every event file, each entry is what
                                         PyMISP's own manifest of that event says, hashes.csv is
                                         exactly PyMISP's md5 hashes of the events, the corpus
                                         events are there as exported; DENIED (a token of a user
                                         outside the audience) gets 404 everywhere

Prints `misp: N passed, 0 failed` and exits non-zero on any failure.
"""

import json
import sys
import time
import urllib.error
import urllib.request
import uuid as uuidlib

from pymisp import MISPEvent, MISPObject

PASSED = 0
FAILED = []


def check(ok, what):
    global PASSED
    if ok:
        PASSED += 1
    else:
        FAILED.append(what)


def done():
    for f in FAILED[:50]:
        print(f"misp: FAILED {f}", file=sys.stderr)
    print(f"misp: {PASSED} passed, {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)


# A MISP timestamp a few days before today, midnight UTC: recent enough that no indicator has decayed
# (crates/core/src/decay/DECAY.md), so every to_ids comes back as it went in.
TS = int(time.time()) // 86400 * 86400 - 4 * 86400


def day(offset):
    return time.strftime("%Y-%m-%d", time.gmtime(TS + (offset - 4) * 86400))


def u(n, k):
    return f"3f5a{n:04x}-0000-4000-8000-{k:012x}"


def attr(ev, n, k, kind, value, to_ids, tags=(), comment=None, category=None):
    a = ev.add_attribute(kind, value, to_ids=to_ids, uuid=u(n, k), timestamp=TS + k,
                         comment=comment or "", **({"category": category} if category else {}))
    for t in tags:
        a.add_tag(t)
    return a


def corpus(out):
    events = []
    # 1: network and files, TLP:GREEN, PAP and a label on the event.
    ev = MISPEvent()
    ev.uuid, ev.info, ev.date, ev.timestamp = u(1, 0), "Phishing wave against banks", day(0), TS + 100
    ev.threat_level_id, ev.analysis = 2, 1
    ev.Orgc = {"name": "MyCERT", "uuid": u(99, 1)}
    for t in ("tlp:green", "PAP:AMBER", "campaign:bank-phish"):
        ev.add_tag(t)
    attr(ev, 1, 1, "domain", "login-bank.example", True, tags=["kill-chain:delivery"])
    attr(ev, 1, 2, "ip-dst", "198.51.100.23", True, comment="C2 server")
    attr(ev, 1, 3, "url", "https://login-bank.example/secure/verify.php", True)
    attr(ev, 1, 4, "email-src", "support@login-bank.example", False)
    attr(ev, 1, 5, "sha256", "a" * 64, True)
    attr(ev, 1, 6, "md5", "0123456789abcdef0123456789abcdef", False)
    attr(ev, 1, 7, "hostname", "cdn.login-bank.example", True)
    attr(ev, 1, 8, "ip-dst|port", "203.0.113.9|8443", True)
    attr(ev, 1, 9, "domain|ip", "mail.login-bank.example|203.0.113.10", False)
    attr(ev, 1, 10, "filename|sha1", "invoice.pdf.exe|" + "b" * 40, True)
    attr(ev, 1, 11, "email-subject", "Your account is locked", False)
    attr(ev, 1, 12, "text", "Seen in a wave of SMS and e-mail", False)
    attr(ev, 1, 13, "AS", "AS64496", False)
    attr(ev, 1, 14, "ip-src", "192.0.2.77", True, tags=["tlp:amber"])
    f = MISPObject("file", standalone=False)
    f.uuid, f.timestamp = u(1, 100), TS + 50
    f.add_attribute("filename", "dropper.apk", uuid=u(1, 101), timestamp=TS + 50)
    f.add_attribute("sha256", "c" * 64, uuid=u(1, 102), to_ids=True, timestamp=TS + 50)
    f.add_attribute("size-in-bytes", "40960", uuid=u(1, 103), timestamp=TS + 50)
    f.add_reference(u(1, 2), "communicates-with", uuid=u(1, 150))
    ev.add_object(f)
    events.append(ev)

    # 2: financial fraud, TLP:AMBER+STRICT.
    ev = MISPEvent()
    ev.uuid, ev.info, ev.date, ev.timestamp = u(2, 0), "Investment scam mule accounts", day(1), TS + 200
    ev.threat_level_id, ev.analysis = 1, 2
    ev.Orgc = {"name": "MyCERT", "uuid": u(99, 1)}
    for t in ("tlp:amber+strict", "scam:investment"):
        ev.add_tag(t)
    attr(ev, 2, 1, "phone-number", "+60312345678", True)
    attr(ev, 2, 2, "iban", "DE89370400440532013000", True)
    attr(ev, 2, 3, "bic", "DEUTDEFF", False)
    attr(ev, 2, 4, "bank-account-nr", "1234567890", True, tags=["mule"])
    attr(ev, 2, 5, "btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", True)
    attr(ev, 2, 6, "xmr", "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge", True)
    attr(ev, 2, 7, "cc-number", "4111111111111111", False)
    attr(ev, 2, 8, "comment", "Victims were contacted on Telegram", False)
    bank = MISPObject("bank-account", standalone=False)
    bank.uuid, bank.timestamp = u(2, 100), TS + 60
    bank.add_attribute("iban", "GB82WEST12345698765432", uuid=u(2, 101), to_ids=True, timestamp=TS + 60)
    bank.add_attribute("swift", "WESTGB2L", uuid=u(2, 102), timestamp=TS + 60)
    bank.add_attribute("account-name", "J. Mule", uuid=u(2, 103), timestamp=TS + 60)
    ev.add_object(bank)
    coin = MISPObject("coin-address", standalone=False)
    coin.uuid, coin.timestamp = u(2, 200), TS + 70
    coin.add_attribute("address", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", uuid=u(2, 201), to_ids=True, timestamp=TS + 70)
    coin.add_attribute("symbol", "BTC", uuid=u(2, 202), timestamp=TS + 70)
    coin.add_reference(u(2, 100), "related-to", uuid=u(2, 250))
    ev.add_object(coin)
    phone = MISPObject("phone-number", standalone=False)
    phone.uuid, phone.timestamp = u(2, 300), TS + 80
    phone.add_attribute("phone-number", "+6591234567", uuid=u(2, 301), to_ids=True, timestamp=TS + 80)
    phone.add_attribute("country-code", "SG", uuid=u(2, 302), timestamp=TS + 80)
    ev.add_object(phone)
    tg = MISPObject("telegram-account", standalone=False)
    tg.uuid, tg.timestamp = u(2, 400), TS + 85
    tg.add_attribute("username", "invest_helpdesk", uuid=u(2, 401), to_ids=True, timestamp=TS + 85)
    tg.add_attribute("phone", "+6598765432", uuid=u(2, 402), timestamp=TS + 85)
    tg.add_reference(u(2, 300), "related-to", uuid=u(2, 450))
    ev.add_object(tg)
    events.append(ev)

    # 3: TLP:CLEAR, a domain-ip object referring to an attribute.
    ev = MISPEvent()
    ev.uuid, ev.info, ev.date, ev.timestamp = u(3, 0), "Public advisory: fake parcel sites", day(2), TS + 300
    ev.threat_level_id, ev.analysis = 3, 0
    ev.Orgc = {"name": "MyCERT", "uuid": u(99, 1)}
    ev.add_tag("tlp:clear")
    attr(ev, 3, 1, "domain", "parcel-fees.example", True)
    attr(ev, 3, 2, "mac-address", "00:1a:2b:3c:4d:5e", False)
    attr(ev, 3, 3, "mutex", "Global\\parcel_mutex", True)
    attr(ev, 3, 4, "regkey", "HKLM\\Software\\Parcel\\Run", True)
    d = MISPObject("domain-ip", standalone=False)
    d.uuid, d.timestamp = u(3, 100), TS + 90
    d.add_attribute("domain", "track-parcel.example", uuid=u(3, 101), to_ids=True, timestamp=TS + 90)
    d.add_attribute("ip", "198.51.100.99", uuid=u(3, 102), to_ids=True, timestamp=TS + 90)
    d.add_reference(u(3, 1), "related-to", uuid=u(3, 150))
    ev.add_object(d)
    events.append(ev)

    # PyMISP leaves the timestamps of what it edited out (MISP sets them on upload): fixed ones
    # are written here, as a MISP export carries them.
    docs = []
    for n, e in enumerate(events, 1):
        d = {"Event": json.loads(e.to_json())}
        ev = d["Event"]
        ev["timestamp"] = str(TS + 1000 * n)
        ev["publish_timestamp"] = str(TS + 1000 * n)
        ev["published"] = True
        ev["distribution"] = "1"
        for k, a in enumerate(ev.get("Attribute", [])):
            a["timestamp"] = str(TS + 1000 * n - 500 + k)
        for k, o in enumerate(ev.get("Object", [])):
            o["timestamp"] = str(TS + 1000 * n - 100 + k)
            for a in o.get("Attribute", []):
                a["timestamp"] = o["timestamp"]
        if n == 1:
            galaxies_and_sightings(ev)
        docs.append(d)
    with open(out, "w") as fh:
        json.dump(docs, fh, indent=1)
    print(f"misp: corpus of {len(events)} events, "
          f"{sum(len(e.attributes) for e in events)} attributes, "
          f"{sum(len(e.objects) for e in events)} objects")


ACTOR = 'misp-galaxy:threat-actor="Bank Phishers"'
MALWARE = 'misp-galaxy:mitre-malware="FluBot"'


def galaxies_and_sightings(ev):
    """Event 1 as MISP exports it with an event-level galaxy cluster (its tag on the event) and,
    on its first attribute, a threat-actor cluster (its tag on the attribute) and a sighting."""
    ev["Tag"].append({"name": MALWARE})
    ev["Galaxy"] = [{"type": "mitre-malware", "name": "Malware", "GalaxyCluster": [{
        "uuid": u(1, 900), "type": "mitre-malware", "value": "FluBot", "tag_name": MALWARE,
        "description": "Android banking malware"}]}]
    a = next(a for a in ev["Attribute"] if a["uuid"] == u(1, 1))
    a["Tag"].append({"name": ACTOR})
    a["Galaxy"] = [{"type": "threat-actor", "name": "Threat Actor", "GalaxyCluster": [{
        "uuid": u(1, 901), "type": "threat-actor", "value": "Bank Phishers", "tag_name": ACTOR,
        "description": "Phishes bank customers"}]}]
    a["Sighting"] = [{"uuid": u(1, 902), "type": "0", "date_sighting": str(TS + 10),
                      "source": "sensor-1"}]


def secs(v):
    return str(int(v.timestamp())) if hasattr(v, "timestamp") else str(v)


def sightings(a):
    return sorted((str(s.uuid), str(getattr(s, "type", "")), secs(getattr(s, "date_sighting", "")))
                  for s in (getattr(a, "sightings", None) or []))


def galaxies(x):
    return sorted((g.type, c.uuid, c.value, c.tag_name, getattr(c, "description", ""))
                  for g in (getattr(x, "galaxies", None) or [])
                  for c in (getattr(g, "clusters", None) or []))


def load_event(doc, where):
    ev = MISPEvent()
    try:
        ev.load(doc)
    except Exception as e:  # noqa: BLE001 - any refusal is a failure
        check(False, f"{where}: PyMISP refused the event: {e}")
        return None
    check(True, f"{where} loads")
    return ev


def tags(x):
    return sorted(t.name for t in x.tags)


def ts(x):
    t = getattr(x, "timestamp", None)
    return int(t.timestamp()) if t is not None else None


def compare_attr(a, b, where):
    check(b is not None, f"{where}: missing")
    if b is None:
        return
    for field in ("type", "category", "value", "to_ids"):
        check(getattr(a, field) == getattr(b, field),
              f"{where} {field}: {getattr(a, field)!r} became {getattr(b, field)!r}")
    check((getattr(a, "comment", "") or "") == (getattr(b, "comment", "") or ""),
          f"{where} comment: {getattr(a, 'comment', None)!r} became {getattr(b, 'comment', None)!r}")
    check(tags(a) == tags(b), f"{where} tags: {tags(a)} became {tags(b)}")
    check(ts(a) == ts(b), f"{where} timestamp: {ts(a)} became {ts(b)}")
    check(sightings(a) == sightings(b), f"{where} sightings: {sightings(a)} became {sightings(b)}")
    check(galaxies(a) == galaxies(b), f"{where} galaxies: {galaxies(a)} became {galaxies(b)}")
    rel = getattr(a, "object_relation", None)
    if rel:
        check(rel == getattr(b, "object_relation", None), f"{where} object_relation")


def compare_event(orig, got, where):
    check(got.info == orig.info, f"{where} info")
    check(tags(got) == tags(orig), f"{where} tags: {tags(orig)} became {tags(got)}")
    check(ts(got) == ts(orig), f"{where} timestamp: {ts(orig)} became {ts(got)}")
    check(galaxies(got) == galaxies(orig), f"{where} galaxies: {galaxies(orig)} became {galaxies(got)}")
    check(str(got.date) == str(orig.date), f"{where} date: {orig.date} became {got.date}")
    check(int(got.threat_level_id) == int(orig.threat_level_id), f"{where} threat_level_id")
    check(int(got.analysis) == int(orig.analysis), f"{where} analysis")
    by = {a.uuid: a for a in got.attributes}
    check(len(by) == len(orig.attributes),
          f"{where}: {len(orig.attributes)} attributes became {len(by)}")
    for a in orig.attributes:
        compare_attr(a, by.get(a.uuid), f"{where} attribute {a.uuid} ({a.type})")
    objs = {o.uuid: o for o in got.objects}
    check(len(objs) == len(orig.objects), f"{where}: {len(orig.objects)} objects became {len(objs)}")
    for o in orig.objects:
        g = objs.get(o.uuid)
        check(g is not None, f"{where} object {o.uuid} ({o.name}) missing")
        if g is None:
            continue
        check(g.name == o.name, f"{where} object {o.uuid} name")
        check(ts(g) == ts(o), f"{where} object {o.uuid} timestamp: {ts(o)} became {ts(g)}")
        ga = {a.uuid: a for a in g.attributes}
        check(len(ga) == len(o.attributes), f"{where} object {o.uuid} attribute count")
        for a in o.attributes:
            compare_attr(a, ga.get(a.uuid), f"{where} object {o.name} attribute {a.uuid}")
        want = sorted((r.uuid, r.referenced_uuid, r.relationship_type) for r in o.references)
        have = sorted((r.uuid, r.referenced_uuid, r.relationship_type) for r in g.references)
        check(want == have, f"{where} object {o.name} references: {want} became {have}")


def corpus_events(path):
    with open(path) as fh:
        docs = json.load(fh)
    out = {}
    for d in docs:
        ev = MISPEvent()
        ev.load(d)
        out[ev.uuid] = ev
    return out


def export(corpus_path, export_path):
    orig = corpus_events(corpus_path)
    with open(export_path) as fh:
        docs = json.load(fh)
    check(isinstance(docs, list), "the export is a JSON array")
    got = {}
    for i, d in enumerate(docs):
        check(set(d) == {"Event"}, f"export item {i} is {{\"Event\": ...}}")
        ev = load_event(d, f"export event {i}")
        if ev is not None:
            got[ev.uuid] = ev
    for uid, ev in orig.items():
        g = got.get(uid)
        check(g is not None, f"corpus event {uid} is in the export")
        if g is not None:
            compare_event(ev, g, f"event {uid}")


def fetch(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("content-type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read().decode("utf-8", "replace")


def feed(corpus_path, base, token, denied):
    orig = corpus_events(corpus_path)
    status, media, text = fetch(base + "manifest.json", token)
    check(status == 200 and media.startswith("application/json"), f"manifest: {status} {media}")
    manifest = json.loads(text)
    status, media, hashes = fetch(base + "hashes.csv", token)
    check(status == 200 and media.startswith("text/csv"), f"hashes.csv: {status} {media}")
    lines = [line for line in hashes.splitlines() if line]
    for line in lines:
        h, _, ev = line.partition(",")
        check(len(h) == 32 and ev in manifest, f"hashes.csv line {line!r}")
    expected_hashes = []
    for uid, entry in manifest.items():
        status, media, text = fetch(base + f"{uid}.json", token)
        check(status == 200, f"event file {uid}: {status}")
        if status != 200:
            continue
        doc = json.loads(text)
        ev = load_event(doc, f"feed event {uid}")
        if ev is None:
            continue
        check(ev.uuid == uid, f"feed event {uid} has its uuid")
        mine = ev.manifest[uid]
        for k in ("info", "date", "analysis", "threat_level_id", "timestamp"):
            check(str(entry[k]) == str(mine[k]), f"manifest {uid} {k}: {entry[k]!r}, PyMISP says {mine[k]!r}")
        check(sorted(t["name"] for t in entry["Tag"]) == sorted(t["name"] for t in mine["Tag"]),
              f"manifest {uid} Tag")
        check(entry["Orgc"]["name"] == mine["Orgc"]["name"], f"manifest {uid} Orgc")
        expected_hashes += [f"{h},{uid}" for h in ev.attributes_hashes("md5")]
        if uid in orig:
            compare_event(orig[uid], ev, f"feed event {uid}")
    check(sorted(lines) == sorted(expected_hashes),
          f"hashes.csv is PyMISP's md5 hashes of the events ({len(lines)} lines, "
          f"{len(expected_hashes)} expected)")
    for uid in orig:
        check(uid in manifest, f"corpus event {uid} is in the manifest")
    # Not found, alike: an unknown event, another file, a reader outside the audience.
    for path, tok in ((f"{uuidlib.uuid4()}.json", token), ("other.txt", token),
                      ("manifest.json", denied), ("hashes.csv", denied),
                      (f"{next(iter(orig))}.json", denied)):
        status, media, _ = fetch(base + path, tok)
        check(status == 404 and media.startswith("application/problem+json"),
              f"{path} ({'denied' if tok == denied else 'reader'}): {status} {media}")
    status, _, _ = fetch(base + "manifest.json", "simpul_not-a-real-token")
    check(status == 401, f"bad token: {status}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "corpus":
        corpus(sys.argv[2])
        sys.exit(0)
    elif cmd == "export":
        export(sys.argv[2], sys.argv[3])
    elif cmd == "feed":
        feed(*sys.argv[2:6])
    done()
