"""Shared fixtures: real photographs, the dlib model, a demo branch and a reader on a socat pty."""

import os
import shutil
from pathlib import Path

import pytest

from countersign.demo_branch import provision_demo_branch
from devices.idcard.serial_reader import SerialIdCardReader
from devices.idcard.simulator import ReaderSimulator
from devices.pty_pair import PtyPair
from kiosk.identity.face import FaceModel
from tests.hq_fixtures import hq_pki, hq_sqlite  # noqa: F401  (fixtures shared by the sync and HQ tests)
from tests.pg_fixtures import postgres_database, postgres_server, postgres_url  # noqa: F401  (a real PostgreSQL server)

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The real photographs from face_recognition 1.3.0's test images (``make fixtures``)."""
    folder = Path(os.environ.get("COUNTERSIGN_DEMO_FACES") or REPOSITORY / "build" / "fixtures" / "face_recognition")
    if not (folder / "obama.jpg").is_file():
        pytest.fail(f"real face photographs missing in {folder}; run 'make fixtures' (make test does it)")
    return folder


@pytest.fixture(scope="session")
def face_model() -> FaceModel:
    return FaceModel()


@pytest.fixture(scope="session")
def provisioned_branch(tmp_path_factory, faces_dir, face_model) -> Path:
    """One demo branch, provisioned once per test run; tests get copies of it."""
    home = tmp_path_factory.mktemp("branch-template") / "branch"
    provision_demo_branch(home, faces_dir, model=face_model)
    return home


@pytest.fixture
def branch_home(provisioned_branch, tmp_path) -> Path:
    """A private copy of the demo branch, so a test may change it freely."""
    home = tmp_path / "branch"
    shutil.copytree(provisioned_branch, home)
    return home


@pytest.fixture
def pty_pair(tmp_path):
    with PtyPair(tmp_path) as pair:
        yield pair


@pytest.fixture
def simulator(pty_pair):
    """A GA 467 simulator on the simulator end of a socat pty pair, unpaced for speed."""
    sim = ReaderSimulator(str(pty_pair.simulator_path), pace=False).start()
    yield sim
    sim.stop()


@pytest.fixture
def reader(pty_pair, simulator):
    """The real serial driver on the device end of the pty pair."""
    driver = SerialIdCardReader(str(pty_pair.device_path), command_timeout=0.5, retries=2)
    yield driver
    driver.close()
