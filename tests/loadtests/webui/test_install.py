"""The tab through Locust's own extension points, read with Flask's test client (no socket)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from locust.env import Environment

from loadtests.measure.aggregate import Aggregate
from loadtests.measure.window import WindowPlanner
from loadtests.users.bench_user import RoomUser
from loadtests.webui.install import ROUTE, TAB_KEY, TAB_TITLE, install_web_ui
from loadtests.webui.losses import NAME
from tests.loadtests.webui.test_live import Settings, State
from tests.reports.factory import make_results


@pytest.fixture
def state() -> State:
    planner = WindowPlanner(users=20, warmup_s=1, window_s=5, drain_s=1)
    planner.joined = {"local": 7}
    return State(planner, Aggregate(), Settings(Path("r.json")))


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch, state: State) -> Any:
    # Locust's UI re-parses the command line for its form's extra options: give it a clean one.
    monkeypatch.setattr("sys.argv", ["locust"])
    env = Environment(user_classes=[RoomUser])
    runner = env.create_local_runner()
    web_ui = env.create_web_ui("127.0.0.1", 0, delayed_start=True)
    install_web_ui(env, state)
    assert web_ui.app is not None
    yield web_ui.app.test_client(), web_ui
    runner.quit()


def test_the_tab_is_declared_with_its_columns(web: Any) -> None:
    _client, web_ui = web
    assert web_ui.template_args["extended_tabs"] == [{"title": TAB_TITLE, "key": TAB_KEY}]
    (table,) = web_ui.template_args["extended_tables"]
    titles = [column["title"] for column in table["structure"]]
    assert titles[:6] == [
        "Send second",
        "Phase",
        "Delivered/s",
        "Fan-out p50 (ms)",
        "p99 (ms)",
        "p99.9 (ms)",
    ]
    assert {"Lost", "Duplicated", "Leaked", "Flags"} <= set(titles)


def test_stats_requests_carry_the_tabs_rows(web: Any) -> None:
    client, _web_ui = web
    doc = client.get("/stats/requests").get_json()
    (extended,) = doc["extended_stats"]
    assert extended["key"] == TAB_KEY
    assert extended["data"][0]["second"] == "window"
    assert extended["data"][0]["phase"] == "joining (joined 7/20)"
    assert "fail_ratio" in doc  # Locust's own answer is kept


def test_the_json_route_names_the_results_file(web: Any) -> None:
    client, _web_ui = web
    doc = client.get(ROUTE).get_json()
    assert doc["written"] is False and doc["users"] == 20 and doc["joined"] == 7
    assert doc["results_path"] == str(Path("r.json").resolve())


def test_the_ratio_tab_lists_the_user_class_without_its_internal_task(web: Any) -> None:
    client, _web_ui = web
    doc = client.get("/tasks").get_json()
    assert set(doc["per_class"]) == {"RoomUser"}
    assert doc["per_class"]["RoomUser"]["tasks"] == {}
    assert doc["total"]["RoomUser"]["tasks"] == {}
    assert "run_user" not in str(doc)


def test_the_answer_that_shows_the_results_already_counts_their_losses(
    web: Any, state: State, tmp_path: Path
) -> None:
    """No reader sees "done" beside a header without the results' lost deliveries.

    The feed loop runs once a second; a browser that polled between the write
    and its next turn used to read the final table with Locust's previous
    failure count (seen in CI: 9 of 32 lost). Here the loop never runs.
    """
    client, _web_ui = web
    results = tmp_path / "results.json"
    doc = make_results(counters={"lost": 32})
    results.write_text(json.dumps(doc))
    state.settings = Settings(results)
    state.written = True
    answer = client.get("/stats/requests").get_json()
    assert answer["extended_stats"][0]["data"][0]["phase"].startswith("done")
    entry = next(e for e in answer["stats"] if e["name"] == NAME)
    assert entry["num_failures"] == doc["counters"]["lost"] > 0
    assert entry["num_requests"] == doc["counters"]["expected"]
