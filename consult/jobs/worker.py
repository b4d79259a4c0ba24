"""The RQ worker `consult worker` runs: rq's own, stopping as soon as its work is done.

rq's worker listens for commands on a Redis channel in a thread that waits up to 60 seconds
for each message, and on stopping it waits for that thread: a burst worker (`consult worker
--burst`, run from cron or a deploy step) sat idle for up to a minute after its last job
(measured: 60–72 s per run). Here the thread wakes every second. This overrides rq's
`Worker.subscribe` (rq 3.0, pinned in the locks): the rest of the worker is rq's.
"""

from __future__ import annotations

from rq import Worker

# How long the command channel's thread waits for a message before looking again.
LISTEN_SECONDS = 1.0


class PromptWorker(Worker):
    """An RQ worker whose command-channel thread wakes every `LISTEN_SECONDS`."""

    def subscribe(self) -> None:
        """Subscribe to this worker's command channel, as rq does, with a short wait."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=LISTEN_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )
