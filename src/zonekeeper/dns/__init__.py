"""The mini-DNS: authoritative answers, AXFR and IXFR straight from storage (see README.md).

Others use ``zonekeeper.dns.server.MiniDns`` (``start``, ``stop``, ``stats``) only; the other
modules are its parts.
"""
