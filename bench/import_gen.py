"""Writes N STIX 2.1 indicators as JSON lines (deterministic), each with one observable in its
pattern, in turn: a domain, an IPv4 address, a URL, a phone number (E.164), an IBAN. Used by
bench/import.sh."""
import json
import sys

n, path = int(sys.argv[1]), sys.argv[2]


def iban(k):
    # A German IBAN (DE, 18 digits) with its mod-97 check digits.
    bban = f"{370400440000 + k:018d}"
    digits = bban + "131400"  # D=13 E=14, then 00
    check = 98 - int(digits) % 97
    return f"DE{check:02d}{bban}"


with open(path, "w") as f:
    for i in range(n):
        kind = i % 5
        if kind == 0:
            pat = f"[domain-name:value = 'phish{i}.example']"
        elif kind == 1:
            pat = f"[ipv4-addr:value = '10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}']"
        elif kind == 2:
            pat = f"[url:value = 'https://login{i}.example/verify?id={i}']"
        elif kind == 3:
            pat = f"[phone-number:value = '+6581{i % 1000000:06d}']"
        else:
            pat = f"[bank-account:iban = '{iban(i)}']"
        obj = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{i >> 32:08x}-{(i >> 16) & 0xffff:04x}-4{(i >> 4) & 0xfff:03x}-8{i & 0xf:01x}00-{i:012x}",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "name": f"Scam indicator {i}",
            "description": "Reported by a national CERT in the benchmark data set",
            "indicator_types": ["malicious-activity"],
            "pattern_type": "stix",
            "pattern": pat,
            "valid_from": "2026-01-01T00:00:00.000Z",
        }
        f.write(json.dumps(obj, separators=(",", ":")))
        f.write("\n")
