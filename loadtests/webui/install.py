"""Wiring the "Fan-out" tab and the loss feed into a Locust run (master or local runner).

Through Locust's extension points only:

* ``web_ui.template_args["extended_tabs"]`` / ``["extended_tables"]`` declare
  the tab and its columns; an ``after_request`` hook adds its rows to
  ``/stats/requests`` under ``extended_stats`` (the UI polls that every 2 s);
* ``/roombench/fanout`` (a Flask route on ``web_ui.app``) returns the same rows
  as JSON with the run's phase and the chart's per-second series, for the
  chart, scripts and tests;
* the tab's live chart: ``chart.js``, served at ``/roombench/fanout-chart.js``
  and added to Locust's page by a ``<script>`` tag an ``after_request`` hook
  puts before ``</body>`` of the index page (Locust renders an extended tab as
  a table only; the script draws plain SVG above it);
* another ``after_request`` hook empties the task lists ``/tasks`` returns: the
  one internal task (``run_user``, the user's whole life) means nothing in the
  ratio tab, which then lists only the user class.

One greenlet a test feeds settled seconds to ``LossFeed`` and, once the
results file exists, the rest. It is owned here and ends when it has fed the
results, at the next ``test_start`` or at ``quitting``; the coordinator's own
timeouts bound how long the results take.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import gevent

from loadtests.webui.live import (
    COLUMNS,
    CoordinatorState,
    chart_series,
    display,
    settled_seconds,
    tab_rows,
)
from loadtests.webui.losses import LossFeed

log = logging.getLogger("roombench")
TAB_KEY = "roombench-fanout"
TAB_TITLE = "Fan-out"
FEED_EVERY_S = 1.0
STATS_PATH_SUFFIX = "/stats/requests"
TASKS_PATH_SUFFIX = "/tasks"
ROUTE = "/roombench/fanout"
CHART_ROUTE = "/roombench/fanout-chart.js"
CHART_SCRIPT = Path(__file__).with_name("chart.js")
CHART_TAG = f'<script src="{CHART_ROUTE}"></script>'


class FeedLoop:
    """Feeds the coordinator's settled seconds to Locust's statistics, once a second."""

    def __init__(self, environment: Any, state: CoordinatorState) -> None:
        self.environment = environment
        self.state = state
        self.feed = LossFeed(environment)
        self._greenlet: gevent.Greenlet | None = None

    def on_test_start(self, **_kw: Any) -> None:
        self.stop()
        self.feed.reset()
        self._greenlet = gevent.spawn(self._run)

    def stop(self, **_kw: Any) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
            self._greenlet = None

    def turn(self) -> bool:
        """Feed what is settled; True once the results are written and fed."""
        planner = self.state.planner
        if planner is None:
            return False
        if self.state.written:
            try:
                doc = json.loads(Path(self.state.settings.results_path).read_text())
            except (OSError, ValueError):
                return True  # the coordinator logged why it wrote nothing
            if planner.window is not None:
                self.feed.feed_seconds(
                    settled_seconds(self.state.aggregate, planner.window, 2**62, settle_s=0)
                )
            self.feed.finish(doc["counters"])
            return True
        if planner.window is not None:
            self.feed.feed_seconds(
                settled_seconds(self.state.aggregate, planner.window, time.time_ns())
            )
        return False

    def _run(self) -> None:
        # Bounded by the coordinator: it always writes (or gives up) within its join,
        # window, drain and flush timeouts; the next test_start or quitting ends it sooner.
        while True:
            try:
                if self.turn():
                    return
            except Exception:  # the tab must never end the test; say why once
                log.exception("roombench: feeding lost deliveries to Locust failed")
                return
            gevent.sleep(FEED_EVERY_S)


def install_web_ui(environment: Any, state: CoordinatorState) -> FeedLoop:
    """Install the loss feed (always) and the tab (when the web UI is on)."""
    loop = FeedLoop(environment, state)
    environment.events.test_start.add_listener(loop.on_test_start)
    environment.events.quitting.add_listener(loop.stop)
    web_ui = getattr(environment, "web_ui", None)
    if web_ui is not None:
        install_tab(web_ui, state, loop)
    return loop


def install_tab(web_ui: Any, state: CoordinatorState, loop: FeedLoop) -> None:
    """Declare the tab and serve its rows.

    Every answer first feeds what is settled (``loop.turn()``, idempotent), so a
    tab that reads "done" never stands beside a Locust header that has not yet
    counted the results' lost deliveries: the feed loop alone runs once a
    second, and a reader between the results being written and its next turn
    saw the final table with the previous second's failure count.
    """
    from flask import Response, jsonify, request

    web_ui.template_args["extended_tabs"] = [{"title": TAB_TITLE, "key": TAB_KEY}]
    web_ui.template_args["extended_tables"] = [
        {"key": TAB_KEY, "structure": [{"key": key, "title": title} for key, title in COLUMNS]}
    ]

    @web_ui.app.route(ROUTE)
    def fanout() -> Response:
        planner = state.planner
        rows = tab_rows(state)
        return jsonify(
            {
                "written": state.written,
                "results_path": str(Path(state.settings.results_path).resolve()),
                "joined": planner.joined_total if planner else 0,
                "users": planner.users if planner else 0,
                "rows": rows,
                "chart": chart_series(rows, live=not state.written),
            }
        )

    @web_ui.app.route(CHART_ROUTE)
    def chart_script() -> Response:
        return Response(CHART_SCRIPT.read_text(), mimetype="text/javascript")

    @web_ui.app.before_request
    def feed_first() -> None:
        if request.path.endswith((STATS_PATH_SUFFIX, ROUTE)):
            try:
                loop.turn()
            except Exception:  # the tab must never break Locust's own answer
                log.exception("roombench: feeding lost deliveries to Locust failed")

    @web_ui.app.after_request
    def extend(response: Response) -> Response:
        path = request.path
        if path.endswith("/") and response.mimetype == "text/html" and not response.is_streamed:
            page = response.get_data(as_text=True)
            if "</body>" in page and CHART_TAG not in page:
                response.set_data(page.replace("</body>", CHART_TAG + "</body>", 1))
        elif path.endswith(STATS_PATH_SUFFIX) and response.is_json:
            doc = response.get_json()
            doc["extended_stats"] = [{"key": TAB_KEY, "data": display(tab_rows(state))}]
            response.set_data(json.dumps(doc))
        elif path.endswith(TASKS_PATH_SUFFIX) and response.is_json:
            doc = response.get_json()
            for part in ("per_class", "total"):
                for user_class in (doc.get(part) or {}).values():
                    if isinstance(user_class, dict):
                        user_class["tasks"] = {}
            response.set_data(json.dumps(doc))
        return response
