"""The HTTP API, wire-compatible with OpenStack Designate v2.

Others use :func:`zonekeeper.api.app.create_app` and nothing else; everything below it is
HTTP only (routes, schemas, auth, pagination, error mapping) and calls ``service/``.
"""
