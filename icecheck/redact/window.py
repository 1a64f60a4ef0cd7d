"""The output of a streamed capture redaction, in input order, with packets held back.

A packet whose rewriting needs later packets (a TCP segment in the middle of a SIP message, an
IPv4 fragment of an incomplete datagram) is an ``Entry`` without output yet: it and everything
after it wait in the ``Window`` until it is finished. The window is bounded (``MAX_BYTES`` of
frames waiting): the caller gives up on the oldest held packets when ``full`` says so (blanking or
dropping them: fail closed), so memory stays bounded whatever the capture holds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

MAX_BYTES = 32 << 20  # bytes of frames waiting behind a held packet, at most


class Entry:
    """One packet record: its frame, how its new frame becomes record bytes, and that output
    (None while the packet is held; ``b""`` when it is left out)."""

    __slots__ = ("frame", "linktype", "out", "wrap")

    def __init__(self, linktype: int, frame: bytes, wrap: Callable[[bytes], bytes]) -> None:
        self.linktype, self.frame, self.wrap = linktype, frame, wrap
        self.out: bytes | None = None

    def finish(self, new: bytes | None) -> None:
        """The packet's new frame (None: left out of the output)."""
        self.out = b"" if new is None else self.wrap(new)


class Window:
    """Records written through ``write`` in order; held entries stop the flow until finished."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self._queue: deque[Entry] = deque()
        self._bytes = 0
        self.peak = 0  # the most bytes that waited at once (for the record)

    def put(self, entry: Entry) -> None:
        """Append one packet (finished or held) and write what is no longer waiting."""
        if not self._queue and entry.out is not None:
            self._write(entry.out)
            return
        self._queue.append(entry)
        self._bytes += len(entry.frame)
        self.peak = max(self.peak, self._bytes)
        self.flush()

    def raw(self, data: bytes) -> None:
        """Bytes that are not a packet (a file header, a pcapng interface block), in order."""
        entry = Entry(-1, b"", lambda _: data)
        entry.finish(b"")
        self.put(entry)

    def flush(self) -> None:
        """Write the finished entries at the head of the queue."""
        queue = self._queue
        while queue and queue[0].out is not None:
            entry = queue.popleft()
            self._bytes -= len(entry.frame)
            self._write(entry.out or b"")

    def full(self) -> bool:
        """More than ``MAX_BYTES`` of frames are waiting: the caller must give up on held packets."""
        return self._bytes > MAX_BYTES

    def __len__(self) -> int:
        return len(self._queue)
