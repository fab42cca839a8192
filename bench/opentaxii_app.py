"""OpenTAXII 0.9.3 as a WSGI app for gunicorn (bench/taxii.sh), with one change at load time.

OpenTAXII 0.9.3 writes its TAXII 2.1 answers with a bare `json.dumps`, which cannot encode the
UUIDs its SQL persistence returns: the collections list, the POST's status resource and the
status endpoint answer 500 ("TypeError: Object of type UUID is not JSON serializable") after the
objects are stored (OpenTAXII issue #243, fixed in 0.10.0b1 by pull request #289). This module
encodes any object json cannot encode by its `str`, the workaround given in that issue, so that a
POST answers its 202 status resource and the same load runs against all peers. Nothing else is
changed; the storage and query paths are OpenTAXII's own.

Run: OPENTAXII_CONFIG=... gunicorn -w 2 --pythonpath bench opentaxii_app:app
"""

import json

import opentaxii.taxii2.http as taxii2_http


class _Json:
    @staticmethod
    def dumps(data, **kw):
        return json.dumps(data, default=str, **kw)


taxii2_http.json = _Json()

from opentaxii.http import app  # noqa: E402,F401
