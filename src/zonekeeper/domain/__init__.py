"""Pure rules and values: names, rdata, CNAME/NS/SOA rules, serial arithmetic, errors, pools,
and who may transfer a pool's zones (TSIG keys, addresses: ``transfers``). No I/O."""
