"""The child side of :class:`kiosk.identity.face.process.FaceModelProcess`: one FaceModel served over stdin and stdout.

Run as ``python -m kiosk.identity.face.model_server``. The process loads the models,
replies ``("ready", pid)``, then reads one request at a time and writes one reply:
``("ok", result)`` or ``("error", exception, traceback_text)``. It exits when its
standard input closes, which is also what happens when the kiosk dies.

Only the methods in :data:`SERVED_METHODS` are called. The channel carries pickles, so
it is private to the two processes: it is the child's inherited stdin and stdout, never
a socket or a file.
"""

import logging
import os
import pickle
import struct
import sys
import traceback
from typing import BinaryIO

log = logging.getLogger(__name__)

SERVED_METHODS = frozenset({"detect", "detect_scaled", "refine", "describe", "landmarks"})

# Every message is an 8-byte big-endian length, then that many bytes of pickle.
_LENGTH = struct.Struct(">Q")


class ChannelClosed(EOFError):
    """The other process closed the channel, between messages or in the middle of one."""


def send(channel: BinaryIO, message: object) -> None:
    """Write ``message`` to ``channel`` as one framed pickle and flush it."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    channel.write(_LENGTH.pack(len(payload)))
    channel.write(payload)
    channel.flush()


def receive(channel: BinaryIO) -> object:
    """Read one framed pickle from ``channel``. Raises :class:`ChannelClosed` at the end of the stream."""
    header = _read_exactly(channel, _LENGTH.size)
    (length,) = _LENGTH.unpack(header)
    return pickle.loads(_read_exactly(channel, length))


def _read_exactly(channel: BinaryIO, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = channel.read(remaining)
        if not chunk:
            raise ChannelClosed(f"channel closed with {remaining} of {size} bytes unread")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _picklable(error: BaseException) -> BaseException:
    """Return ``error`` if it survives a pickle round trip, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """Load the models and reply to requests until ``requests`` closes."""
    from kiosk.identity.face.model import FaceModel

    model = FaceModel()
    send(replies, ("ready", os.getpid()))
    while True:
        try:
            method, args = receive(requests)
        except ChannelClosed:
            return
        if method not in SERVED_METHODS:
            send(replies, ("error", ValueError(f"method {method!r} is not served"), ""))
            continue
        try:
            result = getattr(model, method)(*args)
        except Exception as error:
            log.exception("face model call %s failed", method)
            send(replies, ("error", _picklable(error), traceback.format_exc()))
            continue
        send(replies, ("ok", result))


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s face-model[%(process)d] %(levelname)s %(message)s")

    # Replies go to a private copy of stdout; fd 1 then points at stderr, so that
    # anything a library prints cannot corrupt the channel.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    try:
        serve(requests, replies)
    except BrokenPipeError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
