"""The concurrency gate: requests worked on at once, and those waiting for a place."""

from __future__ import annotations

import threading
import time


class Gate:
    """At most `slots` requests in progress; up to `waiting` more wait their turn (first
    come, first served) for at most `patience` seconds; any other is turned away."""

    def __init__(self, slots: int, waiting: int, patience: float) -> None:
        self.slots = slots
        self.max_waiting = waiting
        self.patience = patience
        self.active = 0
        self.waiting = 0
        self._turns = threading.Condition()

    def enter(self) -> bool:
        with self._turns:
            if self.active < self.slots and self.waiting == 0:
                self.active += 1
                return True
            if self.waiting >= self.max_waiting:
                return False
            self.waiting += 1
            deadline = time.monotonic() + self.patience
            try:
                while self.active >= self.slots:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._turns.wait(left)
                self.active += 1
                return True
            finally:
                self.waiting -= 1

    def leave(self) -> None:
        with self._turns:
            self.active -= 1
            self._turns.notify()
