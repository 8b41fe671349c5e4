"""Clients for services we do not own, all built on ``openstack.ApiClient``.
``neutron.NeutronClient`` gives the service layer the floating IPs of a project (it satisfies
``service.env.FloatingIpSource``) and the managed-record audit the ids of every floating IP
and port; ``nova.NovaClient`` gives the audit the ids of every instance. The composition root
(``app.build``) constructs them from ``Settings.network_api`` and ``Settings.compute_api``."""
