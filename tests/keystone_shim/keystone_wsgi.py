"""The WSGI module gunicorn serves for tests/keystone_server.py. It runs in Keystone's own venv
(.venv-conformance/keystone), never in Zonekeeper's.

Keystone's app parses ``sys.argv`` with oslo.config when it is built; in a gunicorn worker that
holds gunicorn's own arguments (``--bind`` …) and the worker dies at start-up, again and again.
So the arguments are cleared first; the configuration comes from ``OS_KEYSTONE_CONFIG_FILES``.
"""

import sys

sys.argv = sys.argv[:1]

from keystone.server.wsgi import initialize_public_application  # noqa: E402

application = initialize_public_application()
