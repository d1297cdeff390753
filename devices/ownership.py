"""Thread ownership for resources that must only be used from one thread.

A serial port, a PC/SC context and a SQLCipher connection are each owned by one worker.
``ThreadOwner`` records the first thread that uses the resource and raises on use from
any other, so that a misplaced call fails loudly in tests instead of racing in a branch.
"""

import threading


class ThreadOwner:
    """Binds a resource to the first thread that calls :meth:`check`."""

    def __init__(self, resource_name: str) -> None:
        self._resource_name = resource_name
        self._owner_ident: int | None = None
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise ``RuntimeError`` when called from a thread other than the owner."""
        current = threading.get_ident()
        with self._lock:
            if self._owner_ident is None:
                self._owner_ident = current
                return
        if self._owner_ident != current:
            raise RuntimeError(
                f"{self._resource_name} is owned by thread {self._owner_ident} "
                f"and was used from thread {current}"
            )

    def release(self) -> None:
        """Forget the owner, so that another thread may take the resource over."""
        with self._lock:
            self._owner_ident = None
