"""Hostile and broken clients beside a measured load (issue 18; docs/loadtests.md, "Abuse").

A configuration with a ``[config.abuse]`` table (``spec``) gets one extra
process, ``python -m loadtests.abuse`` (``driver``), which the runner starts
beside Locust. It waits for the window the Locust master plans, runs one kind
(``slow_consumer``, ``bad_input``, ``connection_churn``, ``idle_sockets``; one
module each) from ``start_at_s`` to ``stop_at_s`` against the nodes on
127.0.0.1, and writes what it did. ``effect`` folds that and the nodes'
``/stats`` deltas into the results document. The abusers are never measured
users: what they cost shows in the measured users' fan-out and the server.
"""
