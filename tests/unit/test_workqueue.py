"""The work queue: dedup, exclusivity, delays, per-key backoff and shutdown."""

from __future__ import annotations

import random
import threading
import time

import pytest

from lbcontroller.workqueue import WorkQueue


def drain(queue: WorkQueue) -> list[str]:
    """Every key ready now, in order (each left in processing)."""
    keys: list[str] = []
    while (key := queue.get(timeout=0)) is not None:
        keys.append(key)
    return keys


def test_add_dedups_and_keeps_order() -> None:
    queue = WorkQueue()
    for key in ("a", "b", "a", "c", "b"):
        queue.add(key)
    assert len(queue) == 3
    assert drain(queue) == ["a", "b", "c"]


def test_key_being_processed_is_not_handed_out_again_until_done() -> None:
    queue = WorkQueue()
    queue.add("a")
    assert queue.get(timeout=0) == "a"
    queue.add("a")
    queue.add("a")
    assert len(queue) == 0
    assert queue.get(timeout=0.05) is None
    queue.done("a")
    assert drain(queue) == ["a"]


def test_done_without_a_new_add_does_not_requeue() -> None:
    queue = WorkQueue()
    queue.add("a")
    assert queue.get(timeout=0) == "a"
    queue.done("a")
    assert queue.get(timeout=0) is None


def test_idle() -> None:
    queue = WorkQueue()
    assert queue.idle()
    queue.add("a")
    assert not queue.idle()
    assert queue.get(timeout=0) == "a"
    assert not queue.idle()
    queue.done("a")
    assert queue.idle()
    queue.add_after("b", 10)
    assert queue.idle()


def test_add_after_delays_the_key() -> None:
    queue = WorkQueue()
    started = time.monotonic()
    queue.add_after("a", 0.1)
    assert queue.get(timeout=0.02) is None
    assert queue.get(timeout=1) == "a"
    assert time.monotonic() - started >= 0.09


@pytest.mark.parametrize("delay", [0, -1])
def test_add_after_without_delay_is_an_add(delay: float) -> None:
    queue = WorkQueue()
    queue.add_after("a", delay)
    assert len(queue) == 1


def test_add_after_of_a_key_in_process_waits_for_done() -> None:
    queue = WorkQueue()
    queue.add("a")
    assert queue.get(timeout=0) == "a"
    queue.add_after("a", 0.02)
    assert queue.get(timeout=0.1) is None
    queue.done("a")
    assert drain(queue) == ["a"]


def test_backoff_grows_exponentially_within_jitter_bounds() -> None:
    queue = WorkQueue(base_delay=1.0, max_delay=1e6)
    for failures in range(10):
        nominal = 2.0**failures
        assert 0.8 * nominal <= queue.backoff("a") <= 1.2 * nominal


def test_backoff_requeues_the_key() -> None:
    queue = WorkQueue(base_delay=0.01, max_delay=0.01)
    queue.backoff("a")
    assert queue.get(timeout=1) == "a"


def test_forget_resets_the_backoff() -> None:
    queue = WorkQueue(base_delay=1.0, max_delay=1e6)
    for _ in range(6):
        queue.backoff("a")
        queue.backoff("b")
    queue.forget("a")
    assert queue.backoff("a") <= 1.2
    assert queue.backoff("b") >= 0.8 * 2**6


@pytest.mark.parametrize("jitter", [0.8, 1.0, 1.2], ids=["low", "none", "high"])
def test_backoff_never_exceeds_max_delay(monkeypatch: pytest.MonkeyPatch, jitter: float) -> None:
    # Core bug: the cap is applied before the jitter, so the delay reaches 1.2 * max_delay.
    bounds: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        bounds.append((low, high))
        return jitter

    monkeypatch.setattr(random, "uniform", uniform)
    queue = WorkQueue(base_delay=1.0, max_delay=10.0)
    delays = [queue.backoff("a") for _ in range(8)]
    assert bounds == [(0.8, 1.2)] * 8
    assert delays[0] == pytest.approx(jitter)
    assert max(delays) <= 10.0, f"backoff returned {max(delays)} with max_delay=10.0"


def test_backoff_survives_a_long_failure_streak() -> None:
    # Core bug: 2.0**failures overflows once a key has failed 1024 times (~3.5 days at 300 s).
    queue = WorkQueue(base_delay=5.0, max_delay=300.0)
    completed = 0
    for _ in range(1100):
        try:
            queue.backoff("a")
        except OverflowError:
            break
        completed += 1
    assert completed == 1100, f"backoff() raised OverflowError on failure #{completed + 1}"


def test_get_times_out_when_empty() -> None:
    assert WorkQueue().get(timeout=0.02) is None


def test_shut_down_wakes_every_waiting_getter() -> None:
    queue = WorkQueue()
    results: list[str | None] = []
    getters = [
        threading.Thread(target=lambda: results.append(queue.get()), daemon=True) for _ in range(3)
    ]
    for thread in getters:
        thread.start()
    time.sleep(0.05)
    assert results == []
    queue.shut_down()
    for thread in getters:
        thread.join(timeout=2)
    assert not any(thread.is_alive() for thread in getters)
    assert results == [None, None, None]


def test_after_shut_down_get_returns_none_and_add_is_ignored() -> None:
    queue = WorkQueue()
    queue.add("a")
    queue.shut_down()
    queue.add("b")
    assert len(queue) == 1
    assert queue.get(timeout=0) is None
