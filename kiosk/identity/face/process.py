"""The face models in a child process, so that their work never stalls the kiosk's window.

dlib's detector, landmark model and ResNet keep Python's global interpreter lock for
the whole of a call, 80 ms for a descriptor on the kiosk's CPU. Run on the kiosk's
worker thread, every such call froze the window for as long. :class:`FaceModelProcess`
has the methods of :class:`~kiosk.identity.face.model.FaceModel` and forwards each
call to ``python -m kiosk.identity.face.model_server``, whose interpreter lock is its own.
"""

import logging
import os
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import numpy as np

from kiosk.errors import FaceServiceUnavailable
from kiosk.identity.face.model import Detection, FaceBox
from kiosk.identity.face.model_server import ChannelClosed, receive, send

log = logging.getLogger(__name__)

# Loading the models takes about a second on a quiet kiosk. A machine under load, or one
# just booted with a cold disk cache, takes several times as long.
START_TIMEOUT_S = 60.0
# The slowest call, a full-frame detection with upsampling, takes under a second.
CALL_TIMEOUT_S = 30.0
_STOP_WAIT_S = 5.0

# The folder that contains the ``kiosk`` package, so the child imports the same code.
_SOURCE_ROOT = Path(__file__).resolve().parents[3]


class FaceModelProcess:
    """A :class:`FaceModel` served by a child process; the same methods, safe from any thread.

    The child starts at construction and loads the models while the caller goes on; the
    first call waits for it. Calls are serialised. A child found dead is replaced, and a
    call whose child dies before it replies is tried once more on a new child. If the
    child cannot start, dies twice, or does not reply within ``call_timeout_s``, the
    call raises :class:`~kiosk.errors.FaceServiceUnavailable`; the next call starts a new child.
    An exception raised by the model inside the child is raised again by the call.
    :meth:`close` stops the child; the child also stops when this process ends.
    """

    def __init__(self, start_timeout_s: float = START_TIMEOUT_S, call_timeout_s: float = CALL_TIMEOUT_S) -> None:
        self.start_timeout_s = start_timeout_s
        self.call_timeout_s = call_timeout_s
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._ready = False
        self._closed = False
        self._start()

    @property
    def pid(self) -> int | None:
        """The child's process id, or None while no child runs."""
        return self._child.pid if self._child is not None else None

    # The model's methods ---------------------------------------------------------

    def detect(self, rgb: np.ndarray, upsample: int) -> list[FaceBox]:
        return self._call("detect", rgb, upsample)

    def detect_scaled(self, rgb: np.ndarray, scale: float, upsample: int = 0) -> list[Detection]:
        return self._call("detect_scaled", rgb, scale, upsample)

    def refine(self, rgb: np.ndarray, box: FaceBox) -> FaceBox:
        return self._call("refine", rgb, box)

    def describe(self, rgb: np.ndarray, box: FaceBox) -> np.ndarray:
        return self._call("describe", rgb, box)

    def landmarks(self, rgb: np.ndarray, box: FaceBox) -> np.ndarray:
        return self._call("landmarks", rgb, box)

    # The child ---------------------------------------------------------------------

    def close(self) -> None:
        """Stop the child: close its input, wait a moment, then kill it. Later calls fail."""
        with self._lock:
            self._closed = True
            self._stop_child()

    def _start(self) -> None:
        environment = dict(os.environ)
        paths = [str(_SOURCE_ROOT), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
        environment["PYTHONPATH"] = os.pathsep.join(paths)
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "kiosk.identity.face.model_server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=environment,
                close_fds=True,
            )
        except OSError as error:
            self._child = None
            log.error("cannot start the face model process: %s", error)
            raise FaceServiceUnavailable(f"cannot start the face model process: {error}") from error
        self._ready = False
        # A child left running by a caller that never closes is killed when this object goes.
        weakref.finalize(self, _kill, self._child)
        log.info("face model process %d starting", self._child.pid)

    def _call(self, method: str, *args):
        with self._lock:
            if self._closed:
                raise FaceServiceUnavailable("the face model process was closed")
            try:
                status, *reply = self._call_child(method, args)
            except _ChildStopped:
                # The calls have no side effects, so one more try on a new child is safe.
                # A child that had died unnoticed since the last call is replaced this way.
                log.warning("face model process stopped during %s; trying once more on a new one", method)
                try:
                    status, *reply = self._call_child(method, args)
                except _ChildStopped as error:
                    raise FaceServiceUnavailable(str(error)) from error
        if status == "ok":
            return reply[0]
        error, remote_traceback = reply
        log.error("face model call %s failed in the child:\n%s", method, remote_traceback)
        raise error

    def _call_child(self, method: str, args: tuple) -> tuple:
        if self._child is None or self._child.poll() is not None:
            if self._child is not None:
                log.warning("face model process %d had exited with code %s; starting another", self._child.pid, self._child.returncode)
            self._start()
        if not self._ready:
            self._await_ready()
        return self._exchange((method, args), self.call_timeout_s, method)

    def _await_ready(self) -> None:
        started = time.monotonic()
        try:
            status, pid = self._exchange(None, self.start_timeout_s, "start")
        except _ChildStopped as error:
            raise FaceServiceUnavailable(str(error)) from error
        if status != "ready":
            self._stop_child()
            raise FaceServiceUnavailable(f"the face model process sent {status!r} instead of ready")
        self._ready = True
        log.info("face model process %d ready after %.2f s", pid, time.monotonic() - started)

    def _exchange(self, request: object, timeout_s: float, what: str) -> tuple:
        """Send ``request`` (None sends nothing) and read one reply, killing the child if none comes within ``timeout_s``."""
        child = self._child
        assert child is not None
        assert child.stdin is not None
        assert child.stdout is not None
        # A blocked read cannot be given a timeout portably, so a timer kills the child to end
        # it. The timer marks that it fired before it kills, so the read's end is never
        # mistaken for a crash.
        fired = threading.Event()

        def expire() -> None:
            fired.set()
            _kill(child)

        watchdog = threading.Timer(timeout_s, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            if request is not None:
                send(child.stdin, request)
            return receive(child.stdout)
        except (ChannelClosed, OSError) as error:
            self._stop_child()
            if fired.is_set():
                log.error("face model %s failed: timed out after %.3g s", what, timeout_s)
                raise FaceServiceUnavailable(f"face model {what} failed: timed out after {timeout_s:.3g} s") from error
            log.error("face model %s failed: the process stopped (%s)", what, error)
            raise _ChildStopped(f"face model {what} failed: the process stopped ({error})") from error
        finally:
            watchdog.cancel()

    def _stop_child(self) -> None:
        child, self._child = self._child, None
        self._ready = False
        if child is None:
            return
        for stream in (child.stdin, child.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            child.wait(timeout=_STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        log.info("face model process %d stopped with code %s", child.pid, child.returncode)


class _ChildStopped(Exception):
    """The child ended before it replied, without a timeout: it crashed or was killed."""


def _kill(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.kill()
