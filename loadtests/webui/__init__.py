"""roombench's additions to Locust's web UI: the "Fan-out" tab and loss as Locust failures.

Everything goes through Locust's documented extension points (its Flask app,
``template_args["extended_tabs"]`` / ``["extended_tables"]`` and the
``extended_stats`` key of ``/stats/requests``); no Locust file is patched.

* ``live``: the tab's rows, read from the master's ``Coordinator`` (per-second
  deliveries and fan-out percentiles from the merged HDR data, counters,
  phase, flags); once the results file is written, its figures verbatim.
* ``losses``: lost deliveries fed to Locust's request statistics as failures,
  so the header's failure ratio counts them.
* ``install``: wires both into a run (the tab only when the web UI is on).
"""
