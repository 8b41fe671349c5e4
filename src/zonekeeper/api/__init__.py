"""The HTTP API, wire-compatible with OpenStack Designate v2.

Others use :func:`zonekeeper.api.app.create_app` (the application) and
:func:`zonekeeper.api.server.start` (the HTTP server, with its edge limits) and nothing else;
everything below them is HTTP only (routes, schemas, auth, pagination, error mapping) and
calls ``service/``.
"""
