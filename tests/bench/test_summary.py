from bench.ratio import GROUP
from bench.summary import summary_lines


def test_summary_names_per_delivery_ratio_and_membership() -> None:
    output = {
        "benchmarks": [
            {
                "name": "d",
                "group": "membership-disconnect",
                "stats": {"median": 0.009},
                "extra_info": {"clients": 40000, "operation": "disconnect"},
            },
            {
                "name": "s",
                "group": "fanout-stubbed",
                "stats": {"median": 0.0018},
                "extra_info": {
                    "n": 10000,
                    "variant": "stubbed",
                    "per_delivery_ns": 180.0,
                    "per_delivery_ns_min": 175.0,
                },
            },
            {
                "name": "r",
                "group": GROUP,
                "stats": {"median": 1.0, "min": 1.0},
                "extra_info": {"variant": "raw"},
            },
            {
                "name": "h",
                "group": GROUP,
                "stats": {"median": 1.1, "min": 1.0},
                "extra_info": {"variant": "handler"},
            },
        ]
    }
    text = "\n".join(summary_lines(output))
    assert "n=10000" in text and "180.0 ns" in text
    assert "handler/raw = 1.100" in text and "meets" in text and "medians 1.100" in text
    assert "clients=40000" in text and "9000.00 us" in text


def test_summary_names_the_most_deliveries_one_generator_process_can_time() -> None:
    output = {
        "benchmarks": [
            {
                "name": f"rp{n}",
                "group": "receive-path",
                "stats": {"median": 0.001, "min": 0.001},
                "extra_info": {
                    "n": n,
                    "clients": 16,
                    "per_delivery_ns": ns,
                    "per_delivery_ns_min": ns - 100.0,
                    "max_deliveries_per_s": round(1e9 / ns),
                },
            }
            for n, ns in ((1, 6800.0), (64, 2500.0))
        ]
    }
    lines = summary_lines(output)
    assert "= 147,059 deliveries/s" in lines[0] and "= 400,000 deliveries/s" in lines[1]
    assert "can time at most 400,000 deliveries/s (64 frames per read, 2.5 µs each)" in lines[2]


def test_summary_of_nothing_is_empty() -> None:
    assert summary_lines({"benchmarks": []}) == []


def test_instruction_counts_are_listed_and_failures_named() -> None:
    from bench.summary import summary_lines

    doc = {
        "benchmarks": [],
        "instructions": {
            "pythonhashseed": "0",
            "extra_work_per_recipient": False,
            "versions": {"valgrind": "3.19.0", "python": "3.11.7"},
            "benchmarks": [
                {
                    "name": "test_room_message[raw]",
                    "group": "handler-vs-raw",
                    "instructions_per_delivery": 4187.82,
                    "error": None,
                },
                {
                    "name": "test_room_message[handler]",
                    "group": "handler-vs-raw",
                    "instructions_per_delivery": None,
                    "error": "exit code 1 under valgrind: boom",
                },
            ],
        },
    }
    lines = summary_lines(doc)
    assert "callgrind 3.19.0" in lines[0] and "KNOWN ANSWER" not in lines[0]
    assert lines[1].split()[-1] == "4,187.8"
    assert lines[2].endswith("FAILED: exit code 1 under valgrind: boom")
