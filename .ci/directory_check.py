"""Parses every demo contact's vCard with vobject and compares it with the JSON API.

Usage: directory_check.py BASE_URL TOKEN. As the token's user (who sees every contact), each
contact's /contacts/{id}/vcard must be one vCard 4.0 whose FN, KIND, ORG, EMAIL, TEL, LANG, NOTE
(kinds), UID and REV equal the JSON of /contacts/{id}; each organisation's
/organisations/{id}/contacts/vcard must hold exactly its contacts' vCards. Without a token, only
the public contacts are listed and each one's vCard parses too. Exits 1 naming the first mismatch.
"""

import json
import sys
import urllib.request

import vobject

BASE, TOKEN = sys.argv[1], sys.argv[2]


def get(path, token=TOKEN, want="application/json"):
    req = urllib.request.Request(BASE + "/api/v1" + path)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as res:
        media = res.headers.get("content-type", "")
        assert media.startswith(want), f"{path}: content type {media}"
        body = res.read().decode("utf-8")
    return json.loads(body) if want == "application/json" else body


def values(card, name):
    return sorted(str(x.value) for x in card.contents.get(name.lower(), []))


def fail(msg):
    print("72-directory: " + msg, file=sys.stderr)
    sys.exit(1)


def check(card, c, org_name):
    where = f"contact {c['id']} ({c['name']})"
    expect = {
        "version": ["4.0"],
        "fn": [c["name"]],
        "uid": ["urn:uuid:" + c["id"]],
        "email": sorted(c["emails"]),
        "tel": sorted("tel:" + p for p in c["phones"]),
        "lang": sorted(c["languages"]),
        "kind": ["org" if c["mailbox"] else "individual"],
    }
    for name, want in expect.items():
        got = values(card, name)
        if got != want:
            fail(f"{where}: {name.upper()} is {got}, the JSON says {want}")
    org = card.contents.get("org", [])
    if len(org) != 1 or org[0].value[0] != org_name:
        fail(f"{where}: ORG is {[o.value for o in org]}, expected {org_name!r}")
    notes = " ".join(values(card, "note"))
    for k in c["kinds"]:
        if k not in notes:
            fail(f"{where}: NOTE {notes!r} does not name the kind {k}")
    if not values(card, "rev"):
        fail(f"{where}: no REV")
    if bool(c["pgp_key"]) != bool(card.contents.get("key")):
        fail(f"{where}: KEY present in vCard and JSON differ")


def parse_all(text, where):
    if "\r\n" not in text or any(len(line.encode()) > 75 for line in text.split("\r\n")):
        fail(f"{where}: lines are not CRLF-ended or are longer than 75 octets")
    return list(vobject.readComponents(text, validate=True))


def main():
    orgs = {o["id"]: o for o in get("/organisations")["organisations"]}
    contacts = get("/contacts")["contacts"]
    if len(contacts) < 2 * len(orgs):
        fail(f"{len(contacts)} contacts for {len(orgs)} organisations: is the demo seeded?")
    kinds = {v for c in contacts for v in c["kinds"]}
    visibilities = {c["visibility"] for c in contacts}
    if visibilities != {"members", "partners", "public"}:
        fail(f"the demo's visibilities are {visibilities}")
    cards = 0
    by_org = {}
    for c in contacts:
        one = get(f"/contacts/{c['id']}", want="application/json")
        if one != c:
            fail(f"contact {c['id']}: the list and GET /contacts/{{id}} differ")
        text = get(f"/contacts/{c['id']}/vcard", want="text/vcard")
        parsed = parse_all(text, f"contact {c['id']}")
        if len(parsed) != 1:
            fail(f"contact {c['id']}: {len(parsed)} vCards")
        check(parsed[0], c, orgs[c["org"]]["name"])
        by_org.setdefault(c["org"], []).append(c)
        cards += 1
    for org_id, cs in by_org.items():
        text = get(f"/organisations/{org_id}/contacts/vcard", want="text/vcard")
        parsed = parse_all(text, f"organisation {org_id}")
        uids = sorted(str(p.uid.value) for p in parsed)
        if uids != sorted("urn:uuid:" + c["id"] for c in cs):
            fail(f"organisation {org_id}: vCards {uids} are not its contacts")
        for p in parsed:
            c = next(c for c in cs if "urn:uuid:" + c["id"] == p.uid.value)
            check(p, c, orgs[org_id]["name"])
            cards += 1
    public = get("/contacts", token=None)["contacts"]
    want_public = sorted(c["id"] for c in contacts if c["visibility"] == "public")
    if sorted(c["id"] for c in public) != want_public or not public:
        fail("anonymous readers do not see exactly the public contacts")
    for c in public:
        parsed = parse_all(get(f"/contacts/{c['id']}/vcard", token=None, want="text/vcard"), c["id"])
        check(parsed[0], c, orgs[c["org"]]["name"])
        cards += 1
    print(
        f"72-directory: {cards} vCards of {len(contacts)} contacts in {len(by_org)} organisations "
        f"parsed by vobject and equal to the JSON ({len(public)} public; kinds {sorted(kinds)})"
    )


main()
