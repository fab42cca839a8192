#!/usr/bin/env python3
"""Cross-check `simpul stix validate` against the OASIS stix2-validator on fresh input.

Generates a corpus with stix2-generator, adds deliberately broken copies (a dropped required
property, a bad timestamp, a wrong id type, `modified` before `created`), validates everything with
both tools and compares verdicts (stix2-validator without --strict: invalid iff it reports an error;
simpul: invalid iff it reports an error). A disagreement fails unless its kind is listed in
crates/stix/conformance-differences.md (section "Cross-check", first backquoted cell `xc:…`).

Usage: stix-crosscheck.py SIMPUL_BIN DIFFERENCES_MD [--graphs N] [--seed S] [--out DIR]
"""

import argparse
import copy
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import stix2generator
from stix2validator import ValidationOptions, validate_parsed_json

# Required properties per type that we may drop (common ones first).
REQUIRED = {
    "attack-pattern": ["name"], "campaign": ["name"], "course-of-action": ["name"],
    "grouping": ["context", "object_refs"], "identity": ["name"], "incident": ["name"],
    "indicator": ["pattern", "pattern_type", "valid_from"], "infrastructure": ["name"],
    "intrusion-set": ["name"], "malware": ["is_family"], "malware-analysis": ["product"],
    "note": ["content", "object_refs"], "observed-data": ["first_observed", "last_observed", "number_observed"],
    "opinion": ["opinion", "object_refs"], "report": ["name", "published", "object_refs"],
    "threat-actor": ["name"], "tool": ["name"], "vulnerability": ["name"],
    "relationship": ["relationship_type", "source_ref", "target_ref"], "sighting": ["sighting_of_ref"],
    "autonomous-system": ["number"], "directory": ["path"], "domain-name": ["value"], "email-addr": ["value"],
    "email-message": ["is_multipart"], "ipv4-addr": ["value"], "ipv6-addr": ["value"], "mac-addr": ["value"],
    "mutex": ["name"], "network-traffic": ["protocols"], "software": ["name"], "url": ["value"],
    "language-content": ["object_ref", "contents"], "marking-definition": ["created"],
}
SDO_COMMON = ["created", "modified", "spec_version"]
BAD_TIMESTAMPS = ["2016-13-01T00:00:00Z", "2017-02-29T00:00:00.000Z", "2016-01-01 00:00:00Z", "2016-01-01T25:00:00Z",
                  "2016-01-01T00:00:00+01:00", "20160101T000000Z"]
ALL_TYPES = set(REQUIRED) | {"user-account", "windows-registry-key", "x509-certificate", "artifact", "file", "process",
                              "location", "extension-definition"}
OTHER_TYPES = ["indicator", "malware", "identity", "tool", "x-acme-widget"]


def broken_copies(obj, rnd):
    out = []
    ty = obj.get("type")
    req = REQUIRED.get(ty, []) + (SDO_COMMON if "created" in obj else [])
    present = [p for p in req if p in obj]
    if present:
        b = copy.deepcopy(obj)
        p = rnd.choice(present)
        del b[p]
        out.append(("dropped-required", b))
    ts_props = [p for p in ("created", "modified", "valid_from", "first_seen", "published", "first_observed") if p in obj]
    if ts_props:
        b = copy.deepcopy(obj)
        b[rnd.choice(ts_props)] = rnd.choice(BAD_TIMESTAMPS)
        out.append(("bad-timestamp", b))
    if "id" in obj:
        b = copy.deepcopy(obj)
        other = rnd.choice([t for t in OTHER_TYPES if t != ty])
        b["id"] = other + "--" + obj["id"].split("--", 1)[1]
        out.append(("wrong-id-type", b))
    if "created" in obj and "modified" in obj:
        b = copy.deepcopy(obj)
        b["modified"] = "2000-01-01T00:00:00.000Z"
        b["created"] = "2001-01-01T00:00:00.000Z"
        out.append(("modified-before-created", b))
    return out


def reference_verdict(obj):
    try:
        r = validate_parsed_json(obj, ValidationOptions(strict=False))
        errs = [str(e) for e in r.errors]
        return r.is_valid, errs
    except Exception as e:  # the validator raises on objects without id/type
        return False, ["exception: %s" % e]


def listed_kinds(md_path):
    kinds = set()
    with open(md_path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| `xc:"):
                kinds.add(line.split("`")[1])
    return kinds


def disagreement_kind(variant, ours_valid, our_codes, ref_errs):
    if not ours_valid:
        return "xc:simpul-invalid:" + ",".join(sorted(set(our_codes)))
    first = ref_errs[0] if ref_errs else ""
    # Drop the leading "<id>: " — and, for an object embedded in observed-data's deprecated
    # `objects`, the "objects.<id>: " after it — then name the property the message is about.
    msg = re.sub(r"^(?:(?:[a-z_]+\.)?[a-z0-9-]+--[0-9a-fA-F-]+: )+", "", first)
    if msg.startswith("{") and "is not valid under any of the given schemas" in msg:
        return "xc:validator-invalid:anyOf:" + (re.search(r"'type': '([a-z0-9-]+)'", msg) or re.match("(.*)", "?")).group(1)
    m = re.match(r"^The '(\w+)' property", msg) or re.match(r"^'?([\w.\[\]]+)'?: ", msg)
    key = m.group(1) if m else re.sub(r"'[^']*'", "…", msg)[:60]
    return "xc:validator-invalid:" + key


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("simpul_bin")
    ap.add_argument("differences")
    ap.add_argument("--graphs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 30)
    rnd = random.Random(seed)
    random.seed(seed)
    gen = stix2generator.create_stix_generator()
    corpus = []
    for _ in range(a.graphs):
        for obj in gen.generate().values():
            text = obj.serialize() if hasattr(obj, "serialize") else json.dumps(obj, default=str)
            corpus.append(("generated", json.loads(text)))
    # Every STIX type on its own too (the graph generator mostly builds SDOs and SROs).
    ogen = stix2generator.create_object_generator()
    stix_types = sorted(set(ogen.spec_names) & ALL_TYPES)
    for _ in range(max(1, a.graphs // 10)):
        for ty in stix_types:
            try:
                obj = ogen.generate(ty)
            except Exception as e:  # noqa: BLE001 - a generator gap is not our verdict
                print("note: stix2-generator cannot generate %s: %s" % (ty, e), file=sys.stderr)
                continue
            corpus.append(("generated", json.loads(json.dumps(obj, default=str))))
    broken = []
    for _, obj in corpus:
        if rnd.random() < 0.35:
            broken.extend(broken_copies(obj, rnd))
    cases = corpus + broken

    outdir = a.out or tempfile.mkdtemp(prefix="stix-crosscheck-")
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, "corpus.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for _, obj in cases:
            f.write(json.dumps(obj) + "\n")

    proc = subprocess.run([a.simpul_bin, "stix", "validate", "--json", path], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        print("simpul failed (exit %d): %s" % (proc.returncode, proc.stderr.strip()), file=sys.stderr)
        return 2
    reports = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(reports) != len(cases):
        print("simpul gave %d reports for %d objects" % (len(reports), len(cases)), file=sys.stderr)
        return 2

    listed = listed_kinds(a.differences)
    agree, listed_n, unexpected = 0, 0, []
    by_variant = {}
    for (variant, obj), rep in zip(cases, reports):
        ref_valid, ref_errs = reference_verdict(obj)
        ours_valid = rep["valid"]
        tot = by_variant.setdefault(variant, [0, 0])
        tot[0] += 1
        if ours_valid == ref_valid:
            agree += 1
            tot[1] += 1
            continue
        codes = [e["code"] for e in rep["errors"] if e["severity"] == "error"]
        kind = disagreement_kind(variant, ours_valid, codes, ref_errs)
        if kind in listed:
            listed_n += 1
            continue
        unexpected.append((variant, kind, obj, rep, ref_errs))

    for variant, kind, obj, rep, ref_errs in unexpected[:20]:
        print("DISAGREE [%s] %s" % (variant, kind))
        print("  object:    %s" % json.dumps(obj)[:400])
        print("  simpul:    %s" % json.dumps(rep["errors"])[:400])
        print("  validator: %s" % json.dumps(ref_errs)[:400])
    details = ", ".join("%s %d/%d" % (k, v[1], v[0]) for k, v in sorted(by_variant.items()))
    print("stix cross-check (seed %d, corpus %s): %d objects, %d agree, %d listed differences, %d unexpected [%s]"
          % (seed, path, len(cases), agree, listed_n, len(unexpected), details))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
