"""WhiteNoise's static files, served from an async middleware.

WhiteNoise's own middleware is sync only, and one sync middleware in the stack
makes Django run the rest of every request around it through a thread: each
request, a 429 included, crossed from the event loop to a thread and back again
before reaching its view (docs/benchmarks.md, "Flood from one address"), and an
async view (the event stream, the long poll) waited in ``async_to_sync`` on a
thread that a stopping server could leave behind. This one looks up the path in
memory on the loop and only goes to a thread to open a file it serves.
"""

from asgiref.sync import markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        super().__init__(get_response)
        markcoroutinefunction(self)

    async def __call__(self, request):
        if self.autorefresh:
            # DEBUG: looked up on disk each time, so an edited file is served.
            static_file = await sync_to_async(self.find_file, thread_sensitive=False)(
                request.path_info
            )
        else:
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await self.get_response(request)
        return await sync_to_async(self.serve, thread_sensitive=False)(static_file, request)
