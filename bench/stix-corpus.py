#!/usr/bin/env python3
"""Writes the two benchmark corpora as JSON lines: simple indicators (~360 B) and stix2-generator output.

Usage: stix-corpus.py OUTDIR COUNT [SEED]
"""
import json
import random
import sys
import uuid

import stix2generator


def simple_indicator(rnd):
    host = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
    ts = "2024-%02d-%02dT%02d:%02d:%02d.000Z" % (rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59))
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--%s" % uuid.UUID(int=rnd.getrandbits(128), version=4),
        "created": ts,
        "modified": ts,
        "name": "Scam landing page %d" % rnd.randint(1, 99999),
        "indicator_types": ["malicious-activity"],
        "pattern": "[url:value = 'http://%s.example/login']" % host,
        "pattern_type": "stix",
        "valid_from": ts,
    }


def main():
    outdir, count = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rnd = random.Random(seed)
    random.seed(seed)
    with open(outdir + "/simple.jsonl", "w") as f:
        for _ in range(count):
            f.write(json.dumps(simple_indicator(rnd), separators=(",", ":")) + "\n")
    gen = stix2generator.create_stix_generator()
    n = 0
    with open(outdir + "/generator.jsonl", "w") as f:
        while n < count:
            for obj in gen.generate().values():
                text = obj.serialize() if hasattr(obj, "serialize") else json.dumps(obj)
                f.write(json.dumps(json.loads(text), separators=(",", ":")) + "\n")
                n += 1
                if n >= count:
                    break


if __name__ == "__main__":
    main()
