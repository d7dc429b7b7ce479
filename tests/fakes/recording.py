"""What every fake server keeps: the calls it received, in order, and the faults it was told to play."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["CallLog", "FaultQueue"]

C = TypeVar("C")


class CallLog(Generic[C]):
    def __init__(self, name_of: Callable[[C], str]) -> None:
        self._calls: list[C] = []
        self._changed = threading.Condition()
        self._name_of = name_of

    def record(self, call: C) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def changed(self, change: Callable[[], object]) -> None:
        """Change a call already recorded (its answer, once a delay is over), and wake those waiting."""
        with self._changed:
            change()
            self._changed.notify_all()

    def all(self) -> list[C]:
        with self._changed:
            return list(self._calls)

    def to(self, name: str) -> list[C]:
        with self._changed:
            return [call for call in self._calls if self._name_of(call) == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 10.0) -> list[C]:
        """The calls to `name` once there are at least `count`; fails the test after `timeout`."""
        return self.wait_until(lambda call: self._name_of(call) == name, timeout, count)

    def wait_until(self, matches: Callable[[C], bool], timeout: float = 10.0, count: int = 1) -> list[C]:
        """The calls that `matches` once there are at least `count`; fails the test after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [c for c in self._calls if matches(c)]) < count:
                if (left := deadline - time.monotonic()) <= 0:
                    raise AssertionError(
                        f"expected {count} matching call(s), got {len(found)}: {self._calls}"
                    )
                self._changed.wait(left)
            return found


class _Fault(Protocol):
    times: int | None  # how many calls it still answers; None: all of them


F = TypeVar("F", bound=_Fault)


class FaultQueue(Generic[F]):
    def __init__(self) -> None:
        self._queues: dict[str, list[F]] = {}
        self._lock = threading.Lock()

    def add(self, name: str, fault: F) -> None:
        with self._lock:
            self._queues.setdefault(name, []).append(fault)

    def clear(self, name: str) -> None:
        with self._lock:
            self._queues.pop(name, None)

    def take(self, name: str) -> F | None:
        """The fault the next call to `name` plays, if any; each one is used up after `times` calls."""
        with self._lock:
            queue = self._queues.get(name)
            if not queue:
                return None
            fault = queue[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
            return fault
