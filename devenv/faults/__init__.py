"""Fault injection for the cloud stand-ins: the rules, the wire answers, the admin client.

Where it sits: `devenv.faultproxy` (an HTTP proxy of our own, one per upstream: moto_server or
the GCE fake) recognises each cloud call (`calls`), asks `rules.Injector` whether to fault it,
and answers with `answers` instead of (or after) forwarding it. `client` starts proxies and
configures them through their admin endpoint; the chaos run (`chaos`) and
`tests/devenv/test_faultproxy.py` use it.
"""
