"""OpenTAXII 0.9.3 for the federation leg (.ci/legs/70-federation.sh): bench/opentaxii_app.py (its
UUID fix) with one more change at load time, for reading objects back.

OpenTAXII 0.9.3 serves every object with `"spec_version"` set to the object's *type*
(`"spec_version": "indicator"`: server.py writes `obj.type` where it means `obj.spec_version`;
OpenTAXII issue #237, fixed by pull request #276 after 0.9.3). simpul validates every object it
pulls (STIX 2.1 §3.1: `spec_version` is "2.1"), so it would refuse them all. This module answers
objects of a TAXII 2.1 objects or object response with `spec_version` "2.1" where OpenTAXII wrote
the type — the value the fix returns for the STIX 2.1 objects this leg posts. Only the leg uses it
(bench/taxii.sh times OpenTAXII unchanged). Nothing else is changed.

Run: OPENTAXII_CONFIG=... gunicorn --pythonpath bench,.ci opentaxii_federation_app:app
"""

import json

from opentaxii_app import app  # noqa: F401  (bench/opentaxii_app.py: the UUID fix, then the app)


@app.after_request
def _spec_version(response):
    if not response.mimetype.startswith("application/taxii+json") or response.status_code != 200:
        return response
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return response
    objects = body.get("objects") if isinstance(body, dict) else None
    if not isinstance(objects, list):
        return response
    changed = False
    for o in objects:
        if isinstance(o, dict) and o.get("spec_version") == o.get("type"):
            o["spec_version"] = "2.1"
            changed = True
    if changed:
        response.set_data(json.dumps(body))
    return response
