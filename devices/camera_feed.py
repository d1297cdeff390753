"""A camera feed: one thread owns a camera, reads its frames and hands copies of the latest one to any thread.

The live preview, the preview face detector and the rental session all read the same
camera through one :class:`CameraFeed`, so the camera is opened once and owned by one
thread, and no consumer waits for another.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from devices.camera import Camera
from devices.errors import CameraError, FrameUnreadableError
from devices.ownership import ThreadOwner

log = logging.getLogger(__name__)

# Recorded frames and video files return as fast as they decode, so the feed paces them
# at this rate, which is a common webcam rate.
RECORDED_FRAMES_PER_SECOND = 30.0

# Without any consumer for this long, the feed closes the camera and drops its frame.
DEFAULT_IDLE_TIMEOUT_S = 2.0

# How long read_frame waits for a new frame. Opening a USB camera can take a second.
DEFAULT_READ_TIMEOUT_S = 5.0

# After a camera failure the feed closes it and reopens it after this delay, doubled
# after each further failure up to the maximum.
REOPEN_DELAY_S = 0.5
MAX_REOPEN_DELAY_S = 5.0

# Unreadable frames are skipped, but this many in a row are reported to consumers as
# FrameUnreadableError, because the camera then delivers nothing usable.
MAX_UNREADABLE_IN_ROW = 10
# At most one log line per this many seconds about single unreadable frames.
UNREADABLE_LOG_INTERVAL_S = 10.0

STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class FeedFrame:
    """One camera frame and its place in the feed.

    ``image`` is an 8-bit BGR array. ``sequence`` counts the frames the feed has
    published, from 1, and is never reused. ``timestamp`` is the ``time.monotonic()``
    value, in seconds, at which the camera returned the frame.
    """

    image: np.ndarray
    sequence: int
    timestamp: float


@dataclass(frozen=True)
class FeedStats:
    """Counters since the feed started.

    ``reopenings`` counts the times the camera delivered again after a failure.
    """

    frames: int
    unreadable_frames: int
    camera_failures: int
    reopenings: int


class CameraFeed:
    """Reads ``camera`` on its own thread and keeps the latest frame for any number of consumers.

    The feed thread is the only thread that calls the camera. It reads at the camera's
    own rate, or at ``frames_per_second`` when that is given (for recorded frames and
    video files, which do not pace themselves). The feed thread takes the feed's lock
    only to publish a frame or an error, never while it calls the camera, so no
    consumer waits for a camera call:

    - :meth:`latest` returns a copy of the newest frame at once, for a preview;
    - :meth:`wait_for_frame` and :meth:`read_frame` wait, up to a timeout, for a frame
      newer than one the consumer already has, so that a sequence of reads returns
      distinct frames. :meth:`reader` gives each such consumer its own position.

    ``name`` identifies the camera in log lines; by default it is the camera's source.

    An unreadable frame (:class:`FrameUnreadableError`) is counted, logged and skipped.
    Any other :class:`CameraError` is kept and raised to consumers as a new error of the
    same class until a frame arrives again. Meanwhile the feed closes the camera and
    reopens it after a growing delay. With ``idle_timeout_s`` set, the feed closes the
    camera and drops its frame when no consumer has requested a frame for that long.
    The next request opens the camera again.

    The feed is a :class:`Camera` itself: :meth:`read_frame` uses one shared position
    and :meth:`close` stops the feed and releases the camera.
    """

    def __init__(
        self,
        camera: Camera,
        frames_per_second: float | None = None,
        idle_timeout_s: float | None = DEFAULT_IDLE_TIMEOUT_S,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        name: str | None = None,
    ) -> None:
        if frames_per_second is not None and not frames_per_second > 0:
            raise ValueError(f"frames_per_second must be positive, not {frames_per_second}")
        if idle_timeout_s is not None and not idle_timeout_s > 0:
            raise ValueError(f"idle_timeout_s must be positive or None, not {idle_timeout_s}")
        self.name = name or _describe(camera)
        self._camera = camera
        self._interval_s = 1.0 / frames_per_second if frames_per_second is not None else None
        self._idle_timeout_s = idle_timeout_s
        self._owner = ThreadOwner(f"camera feed {self.name}")

        self._condition = threading.Condition()
        self._stop_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_due: float | None = None

        # Guarded by self._condition.
        self._running = False
        self._camera_open = False
        self._idle = False
        self._latest: FeedFrame | None = None
        self._error: CameraError | None = None
        self._sequence = 0
        self._last_demand = -math.inf
        self._waiting_consumers = 0
        self._frames = 0
        self._unreadable_frames = 0
        self._unreadable_in_row = 0
        self._unreadable_since_log = 0
        self._last_unreadable_log = -math.inf
        self._camera_failures = 0
        self._failures_in_row = 0
        self._reopenings = 0

        self._default_reader = FeedReader(self, read_timeout_s)

    # Life cycle ----------------------------------------------------------------

    def start(self) -> "CameraFeed":
        """Start the feed thread; the camera opens on the first request for a frame.

        Raises ``RuntimeError`` when the feed was started before: a stopped feed stays stopped.
        """
        with self._condition:
            if self._thread is not None:
                raise RuntimeError(f"camera feed {self.name} was already started")
            self._running = True
            self._thread = threading.Thread(target=self._run, name=f"camera-feed-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """Stop the feed thread, which closes the camera, and wait at most ``timeout_s`` for it.

        Returns whether the thread ended in time. A feed that never started closes the
        camera on the calling thread. Consumers waiting for a frame get a ``CameraError``.
        """
        self._stop_requested.set()
        with self._condition:
            self._condition.notify_all()
            thread = self._thread
        if thread is None:
            self._camera.close()
            with self._condition:
                self._running = False
            return True
        if thread is threading.current_thread():
            raise RuntimeError(f"camera feed {self.name} cannot stop itself from its own thread")

        thread.join(timeout_s)
        if thread.is_alive():
            log.error("camera feed %s did not stop within %.1f s; the camera is still open", self.name, timeout_s)
            return False
        return True

    def close(self) -> None:
        """Stop the feed and release the camera, as :class:`Camera` requires."""
        self.stop()

    # Consumers -----------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the feed thread runs; false before :meth:`start` and after it stopped."""
        with self._condition:
            return self._running

    @property
    def camera_open(self) -> bool:
        """Whether the camera is open: the feed closes it when idle, after a failure and on stop."""
        with self._condition:
            return self._camera_open

    @property
    def error(self) -> CameraError | None:
        """The camera error kept since the last good frame, for display; ``None`` while frames arrive.

        Consumers that need it raised call :meth:`wait_for_frame`, which raises a copy.
        """
        with self._condition:
            return self._error

    @property
    def stats(self) -> FeedStats:
        with self._condition:
            return FeedStats(self._frames, self._unreadable_frames, self._camera_failures, self._reopenings)

    def latest(self, newer_than: int = 0) -> FeedFrame | None:
        """Return a copy of the newest frame if its sequence is above ``newer_than``, else ``None``.

        Never waits for the camera and never raises a camera error (see :attr:`error`).
        It counts as a request for frames, which keeps the camera open or opens it.
        """
        with self._condition:
            self._note_demand()
            frame = self._latest
        if frame is None or frame.sequence <= newer_than:
            return None
        return FeedFrame(frame.image.copy(), frame.sequence, frame.timestamp)

    def wait_for_frame(self, newer_than: int, timeout_s: float) -> FeedFrame:
        """Return a copy of the newest frame whose sequence is above ``newer_than``, waiting up to ``timeout_s`` seconds.

        While the feed keeps a camera error, raises it at once as a new instance of its
        class, chained to the original, even if older frames were not read yet. Raises
        :class:`CameraError` on a timeout or when the feed is not running.
        """
        deadline = time.monotonic() + timeout_s
        with self._condition:
            self._waiting_consumers += 1
            try:
                frame, error = self._wait_locked(newer_than, deadline, timeout_s)
            finally:
                self._waiting_consumers -= 1
        if error is not None:
            raise _copy_error(error) from error
        assert frame is not None
        return FeedFrame(frame.image.copy(), frame.sequence, frame.timestamp)

    def read_frame(self) -> np.ndarray:
        """Return a frame newer than the one this method returned last (the Camera protocol).

        Raises as :meth:`wait_for_frame` does, after the feed's read timeout.
        """
        return self._default_reader.read_frame()

    def reader(self, timeout_s: float = DEFAULT_READ_TIMEOUT_S) -> "FeedReader":
        """Return a new :class:`FeedReader`: a Camera over this feed with its own position."""
        return FeedReader(self, timeout_s)

    def _note_demand(self) -> None:
        """Record a request for frames and wake an idle feed thread; the caller has the lock."""
        self._last_demand = time.monotonic()
        if self._idle:
            self._condition.notify_all()

    def _wait_locked(self, newer_than: int, deadline: float, timeout_s: float) -> tuple[FeedFrame | None, CameraError | None]:
        while True:
            self._note_demand()
            # A kept error comes first: frames that arrived before it are from a camera
            # that has failed since.
            if self._error is not None:
                return None, self._error
            frame = self._latest
            if frame is not None and frame.sequence > newer_than:
                return frame, None
            if not self._running:
                return None, CameraError(f"camera feed {self.name} is not running")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, CameraError(f"camera {self.name} delivered no new frame within {timeout_s:.1f} s")
            self._condition.wait(remaining)

    # Feed thread ---------------------------------------------------------------

    def _run(self) -> None:
        rate = f"{1.0 / self._interval_s:.0f} frames/s" if self._interval_s else "the camera's rate"
        log.info("camera feed %s started at %s", self.name, rate)
        try:
            while self._wait_for_demand():
                self._read_once()
                self._pace()
        except Exception:
            log.exception("camera feed %s failed unexpectedly and stops", self.name)
        finally:
            self._close_camera()
            with self._condition:
                self._running = False
                self._latest = None
                self._condition.notify_all()
                stats = FeedStats(self._frames, self._unreadable_frames, self._camera_failures, self._reopenings)
            log.info(
                "camera feed %s stopped after %d frames, %d unreadable frames and %d camera failures",
                self.name,
                stats.frames,
                stats.unreadable_frames,
                stats.camera_failures,
            )

    def _wait_for_demand(self) -> bool:
        """Block while no consumer requests frames; return ``False`` when the feed must stop."""
        while True:
            with self._condition:
                if self._stop_requested.is_set():
                    return False
                if self._frames_requested():
                    return True
                if not (self._camera_open or self._latest or self._error):
                    self._idle = True
                    self._condition.wait()
                    self._idle = False
                    continue
            self._go_idle()

    def _frames_requested(self) -> bool:
        """Return whether a consumer requested frames within the idle timeout; the caller has the lock."""
        if self._idle_timeout_s is None or self._waiting_consumers:
            return True
        return time.monotonic() - self._last_demand <= self._idle_timeout_s

    def _go_idle(self) -> None:
        """Close the camera and forget the last frame and error, because no one is watching."""
        log.info("camera feed %s: no request for frames in %.1f s, closing the camera and dropping its last frame", self.name, self._idle_timeout_s)
        self._close_camera()
        with self._condition:
            self._latest = None
            self._error = None
            self._unreadable_in_row = 0
            self._failures_in_row = 0
        self._next_due = None

    def _read_once(self) -> None:
        self._owner.check()
        with self._condition:
            self._camera_open = True

        try:
            image = self._camera.read_frame()
            if not isinstance(image, np.ndarray) or image.ndim != 3 or image.dtype != np.uint8:
                raise FrameUnreadableError(f"camera {self.name} returned {type(image).__name__} instead of an 8-bit colour frame")
        except FrameUnreadableError as error:
            self._skip_unreadable(error)
            return
        except CameraError as error:
            self._handle_failure(error)
            return
        except Exception as error:
            # A driver bug (an OpenCV error, a thread-ownership error) must not end the feed.
            log.exception("camera %s raised an unexpected error", self.name)
            self._handle_failure(CameraError(f"camera {self.name} failed: {type(error).__name__}: {error}"))
            return

        self._publish(image, time.monotonic())

    def _publish(self, image: np.ndarray, timestamp: float) -> None:
        # Consumers copy from the published array, so no code may write to it.
        image.setflags(write=False)
        with self._condition:
            self._sequence += 1
            self._latest = FeedFrame(image, self._sequence, timestamp)
            self._frames += 1
            self._error = None
            failures, self._failures_in_row = self._failures_in_row, 0
            skipped, self._unreadable_in_row = self._unreadable_in_row, 0
            if failures:
                self._reopenings += 1
            self._condition.notify_all()

        if failures:
            log.info("camera %s delivers frames again after %d failed attempts", self.name, failures)
        if skipped:
            log.info("camera %s delivers readable frames again after %d unreadable frames", self.name, skipped)

    def _skip_unreadable(self, error: FrameUnreadableError) -> None:
        with self._condition:
            self._unreadable_frames += 1
            self._unreadable_in_row += 1
            in_row = self._unreadable_in_row
            if in_row >= MAX_UNREADABLE_IN_ROW:
                self._error = error
                self._condition.notify_all()

        if in_row == 1:
            # A camera that glitches every few frames would fill the log: one line per
            # interval, with the count of the frames skipped since the last one.
            now = time.monotonic()
            self._unreadable_since_log += 1
            if now - self._last_unreadable_log >= UNREADABLE_LOG_INTERVAL_S:
                log.warning(
                    "camera %s: %d unreadable frame(s) skipped since the last report: %s",
                    self.name,
                    self._unreadable_since_log,
                    error,
                )
                self._last_unreadable_log = now
                self._unreadable_since_log = 0
        elif in_row == MAX_UNREADABLE_IN_ROW:
            log.error("camera %s: %d unreadable frames in a row, reporting it to consumers: %s", self.name, in_row, error)

    def _handle_failure(self, error: CameraError) -> None:
        """Keep ``error`` for consumers, close the camera and wait before the next attempt opens it again."""
        with self._condition:
            self._camera_failures += 1
            self._failures_in_row += 1
            attempt = self._failures_in_row
            self._error = error
            self._condition.notify_all()

        delay = min(REOPEN_DELAY_S * 2 ** (attempt - 1), MAX_REOPEN_DELAY_S)
        log.warning("camera %s failed (attempt %d): %s; closing it and reopening in %.1f s", self.name, attempt, error, delay)
        self._close_camera()
        self._next_due = None
        self._stop_requested.wait(delay)

    def _close_camera(self) -> None:
        try:
            self._camera.close()
        except Exception:
            log.exception("camera %s failed to close", self.name)
        with self._condition:
            self._camera_open = False

    def _pace(self) -> None:
        """Sleep until the next frame is due at the configured rate; never catch up on missed frames."""
        if self._interval_s is None:
            return
        now = time.monotonic()
        if self._next_due is None:
            self._next_due = now
        self._next_due += self._interval_s
        if self._next_due < now:
            self._next_due = now
        self._stop_requested.wait(self._next_due - now)


class FeedReader:
    """A :class:`Camera` over a :class:`CameraFeed` with its own position in the feed.

    Each :meth:`read_frame` returns a frame newer than the one it returned last, so a
    consumer such as a liveness check reads a sequence of distinct frames. Frames that
    arrived between two reads are skipped. :meth:`close` leaves the feed running,
    because the feed's owner stops it.
    """

    def __init__(self, feed: CameraFeed, timeout_s: float = DEFAULT_READ_TIMEOUT_S) -> None:
        self.feed = feed
        self.timeout_s = timeout_s
        self._position = 0
        self._lock = threading.Lock()

    def read(self) -> FeedFrame:
        """Return the next frame with its sequence and timestamp; raises as :meth:`CameraFeed.wait_for_frame`."""
        with self._lock:
            frame = self.feed.wait_for_frame(self._position, self.timeout_s)
            self._position = frame.sequence
        return frame

    def read_frame(self) -> np.ndarray:
        return self.read().image

    def close(self) -> None:
        """Do nothing, because the reader owns no resource."""


def _describe(camera: Camera) -> str:
    """Return the camera's source (a device index, a path, a folder of frames) for log lines."""
    source = getattr(camera, "source", None)
    if source is not None:
        return str(source)
    frames = getattr(camera, "frames", None)
    if frames:
        return f"recorded frames in {frames[0].parent}"
    return type(camera).__name__


def _copy_error(error: CameraError) -> CameraError:
    """Return a new error of the same class and message, so each consumer raises its own instance."""
    try:
        return type(error)(*error.args)
    except TypeError:
        return CameraError(str(error))
