"""Time units, written once: every timestamp in roombench is integer nanoseconds
of ``CLOCK_REALTIME`` (``time.time_ns()``), every latency integer microseconds."""

NS_PER_US = 1_000
NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000
US_PER_MS = 1_000
US_PER_S = 1_000_000
