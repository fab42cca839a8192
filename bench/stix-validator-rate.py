#!/usr/bin/env python3
"""Times stix2-validator (non-strict, as a library: json.loads + validate_parsed_json) over a JSON-lines file.
Prints: objects seconds invalid"""
import json
import sys
import time

from stix2validator import ValidationOptions, validate_parsed_json

lines = open(sys.argv[1]).read().splitlines()
opts = ValidationOptions(strict=False)
t = time.perf_counter()
invalid = 0
for line in lines:
    r = validate_parsed_json(json.loads(line), opts)
    invalid += 0 if r.is_valid else 1
print(len(lines), time.perf_counter() - t, invalid)
