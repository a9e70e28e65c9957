"""``JsonObject``: a JSON object whose keys this harness does not own.

A foreign server's reply (``GET /stats``), a pass-through of what a scenario file
said: its values must be narrowed (``isinstance``) before use, unlike ``Any``.
Documents whose keys the harness writes have TypedDicts (``loadtests.model.results``).
"""

JsonObject = dict[str, object]
