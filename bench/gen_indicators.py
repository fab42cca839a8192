#!/usr/bin/env python3
"""Writes N generated STIX 2.1 indicators as JSON lines, deterministic for a seed, for the store
benchmarks (bench/objects.sh): phishing domains and URLs, hosts, phone numbers and wallets, each
with a name and description whose words text search can find, at mixed TLP levels.

usage: gen_indicators.py N OUT.jsonl [VALUES.txt WORDS.txt [SEED]]
(bench/objects.sh, bench/import.sh.) VALUES.txt receives one observable value per 1,000 indicators (for `observable=` queries);
WORDS.txt the words names are made of (for `q=` queries)."""
import json
import random
import sys

TLP = {
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
}
WORDS = ("parcel tax refund wallet bonus bank alert prize claim job offer investment loan customs "
         "toll courier police lottery crypto romance telco airline insurance pension utility").split()


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    values_path = sys.argv[3] if len(sys.argv) > 3 else None
    words_path = sys.argv[4] if len(sys.argv) > 4 else None
    rnd = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 20261201)
    values = []
    with open(out, "w") as f:
        for i in range(n):
            k = rnd.random()
            w1, w2 = rnd.choice(WORDS), rnd.choice(WORDS)
            if k < 0.4:
                v = f"{w1}-{w2}-{i}.example"
                path, what = "domain-name:value", "Phishing domain"
            elif k < 0.65:
                v = f"https://{w1}-{i}.example/{w2}/login"
                path, what = "url:value", "Phishing URL"
            elif k < 0.8:
                v = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
                path, what = "ipv4-addr:value", "Phishing kit host"
            elif k < 0.92:
                v = f"+65 9{i % 9}{(i // 9) % 1000000:06d}"
                path, what = "phone-number:value", "Scam phone number"
            else:
                v = "0x%040x" % (i * 2654435761 + 12345)
                path, what = "cryptocurrency-wallet:value", "Scam wallet"
            if i % 1000 == 0:
                values.append(v)
            t = "2026-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
                1 + i % 11, 1 + i % 28, i % 24, i % 60, (i // 60) % 60, i % 1000)
            obj = {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--%08x-%04x-4%03x-8%03x-%012x" % (
                    rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12),
                    rnd.getrandbits(12), rnd.getrandbits(48)),
                "created": t,
                "modified": t,
                "name": f"{what} {v}",
                "description": f"Lure about {w1} and {w2}, reported by a national hotline.",
                "indicator_types": ["malicious-activity"],
                "pattern": f"[{path} = '{v}']",
                "pattern_type": "stix",
                "valid_from": t,
                "object_marking_refs": [TLP[rnd.choice(["green", "green", "amber", "amber+strict", "clear"])]],
            }
            f.write(json.dumps(obj, separators=(",", ":")))
            f.write("\n")
    if values_path:
        with open(values_path, "w") as f:
            f.write("\n".join(values) + "\n")
    if words_path:
        with open(words_path, "w") as f:
            f.write("\n".join(WORDS) + "\n")


if __name__ == "__main__":
    main()
