"""A stand-in for an OpenAI-compatible chat-completions endpoint, served on
127.0.0.1 from a thread of the test process. The request's ``model`` picks what
it does: answer in pieces, decline, fail, stall, send garbage, stop halfway or
never stop. Every request is kept for the test to read."""

import asyncio
import json
import threading

ANSWER = ["You can change ", "your plan under ", "Settings, then Billing."]


def chunk(content: str | None = None, *, finish: str | None = None, **delta) -> bytes:
    if content is not None:
        delta["content"] = content
    body = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


DONE = b"data: [DONE]\n\n"


class FakeCompletions:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "FakeCompletions":
        self.thread.start()
        self.ready.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _shutdown(self) -> None:
        """Stop listening and end the answers still being played (stalls, endless)."""
        self.server.close()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        self.loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            headers = {
                name.lower(): value
                for name, _, value in (line.partition(": ") for line in lines[1:] if line)
            }
            body = json.loads(await reader.readexactly(int(headers.get("content-length", 0))))
            self.requests.append({"path": lines[0].split()[1], "headers": headers, "body": body})
            await self._play(body.get("model", ""), writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _play(self, model: str, writer: asyncio.StreamWriter) -> None:
        if model == "fail":
            writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        )
        pieces = {
            "ok": [chunk(role="assistant"), *map(chunk, ANSWER), chunk(finish="stop"), DONE],
            "no-answer": [chunk("NO_"), chunk("ANSWER"), chunk(finish="stop"), DONE],
            "refusal": [chunk(refusal="I can't help with that."), DONE],
            "garbage": [b"data: {not json\n\n"],
            "half": [chunk("You can change ")],
            "stall": [chunk("You can ")],
        }.get(model)
        if model == "endless":
            while True:
                writer.write(chunk("more "))
                await writer.drain()
                await asyncio.sleep(0.01)
        for piece in pieces or [chunk("unknown model"), DONE]:
            writer.write(piece)
            await writer.drain()
            # Apart, so the client sees the answer arrive in pieces.
            await asyncio.sleep(0.01)
        if model == "stall":
            await asyncio.sleep(3600)
