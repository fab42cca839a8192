"""Reads back the exports of .ci/legs/60-exports.sh with the formats' own tools.

Usage: exports_check.py DIR (holding export.suricata, export.zeek, export.rpz, export.csv,
export.text, export.stix). Prints `exports: N passed, 0 failed` (N formats, each passed when every
check of it held) and exits 0, or names each failed check and exits 1.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

import idstools.rule
import suricataparser
from stix2validator import ValidationOptions, validate_instance
from zat import zeek_log_reader

# The rule keywords simpul writes, each documented for Suricata 7 (docs.suricata.io, 7.0.x:
# "Rules" — meta keywords, payload keywords, DNS, TLS and HTTP keywords).
SURICATA7_KEYWORDS = {
    "msg", "sid", "rev", "metadata",                      # meta keywords
    "content", "nocase", "startswith", "endswith",        # payload keywords
    "dns.query",                                          # DNS keywords
    "tls.sni",                                            # TLS keywords
    "http.host", "http.uri",                              # HTTP keywords
}

passed = 0
failed = []


def check(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
    else:
        failed.append(f"{name}: {detail}")


def suricata(path):
    rules = [l for l in open(path, encoding="utf-8") if l.startswith("alert ")]
    check("suricata: rules written", len(rules) > 0, "no rules")
    sids = set()
    for line in rules:
        a = suricataparser.parse_rule(line)
        b = idstools.rule.parse(line)
        if a is None or b is None:
            check("suricata: parsed", False, line[:200])
            continue
        keywords = {o.name for o in a.options}
        unknown = keywords - SURICATA7_KEYWORDS
        check("suricata: Suricata 7 keywords", not unknown, f"{sorted(unknown)} in {line[:200]}")
        check("suricata: parsers agree on sid", int(a.sid) == int(b.sid), line[:200])
        check("suricata: parsers agree on msg", a.msg == b.msg, line[:200])
        check("suricata: sid unique", int(a.sid) not in sids, line[:200])
        check("suricata: sid in range", 1_000_000_000 <= int(a.sid) < 2_000_000_000, line[:200])
        sids.add(int(a.sid))
    engine = shutil.which("suricata")
    if engine:
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([engine, "-T", "-S", path, "-l", d], capture_output=True, text=True)
            check("suricata -T", r.returncode == 0, r.stderr[-2000:])
    else:
        print("exports: suricata -T skipped: no suricata binary (Debian packages none)")
    print(f"exports: suricata: {len(rules)} rules parsed by suricataparser and idstools")


def zeek(path):
    rows = list(zeek_log_reader.ZeekLogReader(path).readrows())
    check("zeek: records", len(rows) > 0, "no records")
    kinds = {"Intel::ADDR", "Intel::SUBNET", "Intel::DOMAIN", "Intel::URL", "Intel::EMAIL",
             "Intel::FILE_HASH"}
    for r in rows:
        check("zeek: indicator_type", r["indicator_type"] in kinds, str(r))
        check("zeek: indicator", bool(r["indicator"]) and "\t" not in r["indicator"], str(r))
        if r["indicator_type"] == "Intel::URL":
            check("zeek: URL without scheme", "://" not in r["indicator"], str(r))
    print(f"exports: zeek: {len(rows)} records read by zat")


def rpz(path):
    r = subprocess.run(["named-checkzone", "rpz.simpul", path], capture_output=True, text=True)
    check("rpz: named-checkzone", r.returncode == 0 and "OK" in r.stdout, r.stdout + r.stderr)
    n = sum(1 for l in open(path, encoding="utf-8") if " CNAME . ; " in l)
    check("rpz: records", n > 0, "no records")
    print(f"exports: rpz: {n} records, named-checkzone: {r.stdout.strip().splitlines()[-1]}")


def csv_file(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    check("csv: rows", len(rows) > 0, "no rows")
    for r in rows:
        check("csv: indicator id", r["indicator_id"].startswith("indicator--"), str(r))
        check("csv: tlp", r["tlp"].startswith("TLP:"), str(r))
    print(f"exports: csv: {len(rows)} rows")


def text(path, csv_path):
    values = [l.rstrip("\n") for l in open(path, encoding="utf-8") if not l.startswith("#")]
    with open(csv_path, newline="", encoding="utf-8") as f:
        from_csv = [r["value"] for r in csv.DictReader(f)]
    check("text: the values of the CSV", sorted(values) == sorted(from_csv),
          f"{len(values)} vs {len(from_csv)}")


def stix(path):
    bundle = json.load(open(path, encoding="utf-8"))
    check("stix: a bundle", bundle.get("type") == "bundle", str(bundle)[:200])
    objects = bundle.get("objects", [])
    check("stix: objects", len(objects) > 0, "none")
    opts = ValidationOptions(version="2.1")
    invalid = 0
    for o in objects:
        r = validate_instance(o, opts)
        if not r.is_valid:
            invalid += 1
            check("stix: valid", False, f"{o.get('id')}: {[str(e) for e in r.errors][:3]}")
    check("stix: all indicators", all(o.get("type") == "indicator" for o in objects), "")
    print(f"exports: stix: {len(objects)} indicators, {invalid} invalid (stix2-validator)")


def main():
    d = sys.argv[1]
    p = lambda f: os.path.join(d, "export." + f)
    formats_ok, formats_failed = 0, 0
    for run in (
        lambda: suricata(p("suricata")),
        lambda: zeek(p("zeek")),
        lambda: rpz(p("rpz")),
        lambda: csv_file(p("csv")),
        lambda: text(p("text"), p("csv")),
        lambda: stix(p("stix")),
    ):
        before = len(failed)
        run()
        if len(failed) == before:
            formats_ok += 1
        else:
            formats_failed += 1
    for f in failed[:50]:
        print("FAILED", f)
    print(f"exports: {passed} checks held, {len(failed)} did not")
    print(f"exports: {formats_ok} passed, {formats_failed} failed")
    sys.exit(1 if failed else 0)


main()
