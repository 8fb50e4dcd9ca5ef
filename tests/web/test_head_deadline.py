"""``junheng serve``'s deadline for a request's head (``cli/serve._head_deadline``): a connection that sends no whole
head in time is closed, and a connection that is gone, or that has sent its head, is not held by a timer still to run.

Run on an event loop with uvicorn's own protocol around a transport that records what is done to it: the timers
pending on the loop are what the server's memory holds for connections already closed."""

from __future__ import annotations

import asyncio
import gc
import weakref

from uvicorn.config import Config
from uvicorn.server import ServerState

from junheng.cli.serve import _head_deadline


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def write(self, data) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _app(scope, receive, send):  # pragma: no cover - no request is made
    raise AssertionError("no request reaches the app here")


def _pending(loop: asyncio.AbstractEventLoop) -> list[asyncio.TimerHandle]:
    return [h for h in loop._scheduled if not h.cancelled()]  # type: ignore[attr-defined]


def test_a_connection_without_a_head_is_closed_at_the_deadline():
    async def scenario() -> bool:
        loop = asyncio.get_running_loop()
        config = Config(app=_app, lifespan="off")
        config.load()
        protocol = _head_deadline(0.05)(config=config, server_state=ServerState(), app_state={}, _loop=loop)
        transport = _Transport()
        protocol.connection_made(transport)
        await asyncio.sleep(0.2)
        return transport.closed

    assert asyncio.run(scenario())


def test_a_closed_connection_is_not_held_by_its_deadline():
    async def scenario() -> tuple[int, int, bool]:
        loop = asyncio.get_running_loop()
        config = Config(app=_app, lifespan="off")
        config.load()
        cls = _head_deadline(30)
        held = []
        for _ in range(50):
            protocol = cls(config=config, server_state=ServerState(), app_state={}, _loop=loop)
            transport = _Transport()
            protocol.connection_made(transport)
            held.append(weakref.ref(protocol))
            transport.closed = True
            protocol.connection_lost(None)
        while_open = cls(config=config, server_state=ServerState(), app_state={}, _loop=loop)
        while_open.connection_made(_Transport())
        for _ in range(5):  # a keep-alive connection's responses: one deadline at a time
            while_open._await_head()
        del protocol
        gc.collect()
        return len(_pending(loop)), sum(ref() is not None for ref in held), not while_open.transport.is_closing()

    pending, alive, still_open = asyncio.run(scenario())
    assert pending == 1  # the open connection's one deadline; none for the fifty that are gone
    assert alive == 0  # and nothing holds them
    assert still_open
