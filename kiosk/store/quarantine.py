"""A damaged store at start-up: move it aside, never delete it, and rebuild reference data.

The kiosk opens its store through :func:`open_at_start`. When the integrity checks fail,
the store file and its ``-wal`` and ``-shm`` files are moved into a ``quarantine``
folder beside it, so IT can recover what is left, and the kiosk stops with "service
needed". :func:`rebuild_reference_store` then creates a fresh store and loads the
branch's reference data (vehicles and price list) from a bundle.
"""

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from kiosk.contracts.pricing import PriceList
from kiosk.errors import StoreCorrupt, StoreError
from kiosk.rental import Vehicle
from kiosk.store.database import Database
from kiosk.store.rentals import RentalStore

log = logging.getLogger(__name__)

QUARANTINE_FOLDER = "quarantine"
STORE_COMPANION_SUFFIXES = ("-wal", "-shm")


def quarantine_store(path: Path, now: datetime | None = None) -> Path:
    """Move ``path`` and its ``-wal`` and ``-shm`` files into ``quarantine/<UTC time>/`` beside it.

    Returns the folder they were moved into. Files are renamed, never copied and never
    deleted, so the folder must be on the same file system (it is, being beside the store).
    Raises :class:`StoreError` when a file cannot be moved.
    """
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = path.parent / QUARANTINE_FOLDER / f"{path.name}.{stamp}"
    try:
        folder.parent.mkdir(exist_ok=True, mode=0o700)
        folder.mkdir(mode=0o700)
        for source in [path, *(Path(f"{path}{suffix}") for suffix in STORE_COMPANION_SUFFIXES)]:
            if source.exists():
                os.rename(source, folder / source.name)
    except OSError as error:
        raise StoreError(f"cannot move the damaged store {path} into {folder}: {error.strerror}") from error
    log.error("store %s moved into quarantine at %s", path, folder)
    return folder


def open_at_start(path: Path, key: bytes) -> Database:
    """Open the store for a kiosk start, with both integrity checks.

    On damage the store is moved into quarantine and :class:`StoreCorrupt` is raised,
    naming the quarantine folder; the caller shows "service needed". Other errors of
    :meth:`Database.open` pass through with the file untouched.
    """
    try:
        return Database.open(path, key, check_integrity=True)
    except StoreCorrupt as error:
        log.error("store %s is damaged: %s", path, error)
        folder = quarantine_store(path)
        raise StoreCorrupt(
            f"{error}; the store was moved into {folder}. Rebuild the reference data from headquarters "
            "and recover the branch's records from the quarantined file"
        ) from error


def rebuild_reference_store(path: Path, key: bytes, bundle: dict) -> Database:
    """Create a fresh store at ``path`` and load the ``vehicles`` and ``price_list`` of ``bundle``.

    ``bundle`` has the shape of ``resources/demo/demo-branch.json``: a list of vehicles
    with the fields of :class:`kiosk.rental.Vehicle`, and one price list document. The
    store is created with the branch's existing key. Raises :class:`StoreError` when
    ``path`` exists (quarantine it first) or the bundle lacks a part, and
    :class:`kiosk.contracts.pricing.PriceListInvalid` for a bad price list.

    NOTE: headquarters will supply the bundle through the sync service, which does not
    exist yet; until then IT passes the branch's last exported bundle.
    """
    try:
        vehicles = [Vehicle(**vehicle) for vehicle in bundle["vehicles"]]
        price_list = PriceList.from_json(bundle["price_list"])
    except (KeyError, TypeError) as error:
        raise StoreError(f"the reference data bundle has no valid vehicles or price_list: {error!r}") from error

    database = Database.open(path, key, create=True)
    try:
        store = RentalStore(database)
        for vehicle in vehicles:
            store.put_vehicle(vehicle)
        store.put_price_list(price_list)
    except BaseException:
        database.close()
        raise
    log.info("store %s rebuilt with %d vehicles and price list %s", path, len(vehicles), price_list.version)
    return database
