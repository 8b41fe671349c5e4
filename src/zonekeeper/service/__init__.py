"""Use cases, one module per resource (zones, recordsets, …): validation, policy, quotas, one
transaction each. The API, the sink and the web UI call these and nothing below them."""
