"""Clients for services we do not own. ``neutron.NeutronClient`` gives the service layer the
floating IPs of a project (it satisfies ``service.env.FloatingIpSource``); the composition
root (``app.build``) constructs it from ``Settings.network_api`` and hands it over."""
