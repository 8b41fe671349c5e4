"""Pure rules and values: names, rdata, CNAME/NS/SOA rules, serial arithmetic, errors. No I/O."""
