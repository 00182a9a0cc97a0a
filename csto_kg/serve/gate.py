"""The concurrency gate: requests worked on at once, and those waiting for a place."""

from __future__ import annotations

import asyncio


class Gate:
    """At most `slots` requests in progress; up to `waiting` more wait their turn (first
    come, first served) for at most `patience` seconds; any other is turned away."""

    def __init__(self, slots: int, waiting: int, patience: float) -> None:
        self.slots = slots
        self.max_waiting = waiting
        self.patience = patience
        self.active = 0
        self.waiting = 0
        self._turns: asyncio.Condition | None = None  # made in the event loop that uses it

    async def enter(self) -> bool:
        if self._turns is None:
            self._turns = asyncio.Condition()
        async with self._turns:
            if self.active < self.slots and self.waiting == 0:
                self.active += 1
                return True
            if self.waiting >= self.max_waiting:
                return False
            self.waiting += 1
            try:
                async with asyncio.timeout(self.patience):
                    await self._turns.wait_for(lambda: self.active < self.slots)
            except TimeoutError:
                return False
            finally:
                self.waiting -= 1
            self.active += 1
            return True

    async def leave(self) -> None:
        assert self._turns is not None
        async with self._turns:
            self.active -= 1
            self._turns.notify()
