"""Presence within its bound on every path: an agent whose daphne is killed is
told offline to a dashboard on another daphne within PRESENCE_TTL of the kill,
and so is one who moved to another daphne and closed it cleanly (a killed
process's connections used to stay counted as long as the other one pinged).
PARLEY_PRESENCE_TTL is small here, and the sockets ping every second, as the
real clients do within their much longer TTL."""

import asyncio
import contextlib
import time

import pytest

from .conftest import Socket, services_stack

pytestmark = pytest.mark.integration

TTL = 6
# Scheduling on a loaded two-core machine: the check runs on a timer in a
# daphne that shares the CPU with the others.
SLACK = 2


@pytest.fixture(scope="module")
def presence_stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("presence")
    with services_stack(tmp, PARLEY_PRESENCE_TTL=str(TTL), PARLEY_AUTO_ASSIGN="false") as stack:
        stack.start_server("observer")
        yield stack


class Dashboard:
    """An agent's socket that pings every second, as a dashboard does every 20 s,
    and notes when each frame arrived (the test may be busy when it does)."""

    def __init__(self, socket: Socket, welcome: dict):
        self.socket = socket
        self.me = welcome["you"]["id"]
        self.frames: asyncio.Queue[tuple[float, dict]] = asyncio.Queue()
        self.tasks = [asyncio.ensure_future(self.ping()), asyncio.ensure_future(self.read())]

    @classmethod
    async def open(cls, stack, server: str, token: str) -> "Dashboard":
        socket = await Socket.open(stack.ws(server, "/ws/agent/"), origin=stack.http(server))
        await socket.send({"type": "hello", "token": token})
        return cls(socket, (await socket.receive_until("welcome"))[-1])

    async def ping(self) -> None:
        with contextlib.suppress(Exception):  # the socket's daphne was killed
            while True:
                await self.socket.send({"type": "ping"})
                await asyncio.sleep(1)

    async def read(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await self.socket.receive(timeout=3600)
                self.frames.put_nowait((time.monotonic(), frame))

    async def hears(self, agent_id: int, connected: bool, *, until: float) -> None:
        """A presence frame that arrived by the monotonic time ``until`` says
        ``agent_id`` is (or is not) connected; fails otherwise."""
        while True:
            arrived, frame = await asyncio.wait_for(self.frames.get(), timeout=TTL * 3)
            assert arrived <= until, f"{arrived - until:.1f} s late: {frame}"
            said = {a["id"]: a["connected"] for a in frame.get("agents", [])}
            if frame["type"] == "presence" and said.get(agent_id) is connected:
                return

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await self.socket.close()


async def told_offline_within_the_ttl(observer: Dashboard, agent_id: int, since: float) -> None:
    await observer.hears(agent_id, False, until=since + TTL + SLACK)


async def test_an_agent_whose_daphne_is_killed_is_told_offline_within_the_ttl(presence_stack):
    stack = presence_stack
    stack.start_server("doomed")
    ada_token = stack.agent_token("ada")
    observer = await Dashboard.open(stack, "observer", stack.agent_token("grace"))
    ada = await Dashboard.open(stack, "doomed", ada_token)
    await observer.hears(ada.me, True, until=time.monotonic() + 10)
    await asyncio.sleep(2)  # a few pings renew her presence

    stack.kill("doomed")
    killed = time.monotonic()
    await told_offline_within_the_ttl(observer, ada.me, killed)
    await ada.close()
    await observer.close()


async def test_an_agent_who_moved_and_closed_cleanly_is_told_offline_within_the_ttl(
    presence_stack,
):
    stack = presence_stack
    stack.start_server("doomed")
    ada_token = stack.agent_token("ada")
    observer = await Dashboard.open(stack, "observer", stack.agent_token("grace"))
    ada = await Dashboard.open(stack, "doomed", ada_token)
    await observer.hears(ada.me, True, until=time.monotonic() + 10)

    stack.kill("doomed")
    killed = time.monotonic()
    await ada.close()
    # Her dashboard comes back on the other daphne, pings, and is closed cleanly.
    moved = await Dashboard.open(stack, "observer", ada_token)
    await asyncio.sleep(2)
    await moved.close()
    await told_offline_within_the_ttl(observer, ada.me, killed)
    await observer.close()
