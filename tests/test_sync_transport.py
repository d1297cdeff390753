"""Transport security of the sync link, against real ``countersign hq serve`` processes on 127.0.0.1.

HTTPS only, TLS 1.2 or 1.3, HQ's CA pinned by the kiosk and a kiosk certificate from
that CA required by HQ. Old TLS versions are tried with the ``openssl`` command line,
refused client certificates with Python's ``ssl`` module, and refused server
certificates with the kiosk's own client and ``countersign sync now``.
"""

import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import threading
import uuid
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509

from countersign.config import load_config
from hq.database import connect
from hq.pki import IssuedPair, issue_kiosk, issue_server
from kiosk.errors import ConfigError
from sync.client import HqClient, HqNotTrusted, HqRefused, KioskCertificateInvalid
from sync.protocol import Event, Outcome, UploadRequest
from sync.tls import client_context
from tests.hq_fixtures import BRANCH_ID, KIOSK_ID, HqPki, HqProcess, free_port, link_branch, make_pki, write_hq_config

HEALTH_REQUEST = b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
PAST = datetime.now(timezone.utc) - timedelta(days=400)


def _start_hq(folder: Path, pki: HqPki) -> HqProcess:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = write_hq_config(folder, pki, f"sqlite:///{folder / 'hq.db'}", port)
    return HqProcess(config, port, folder / "hq.log").start()


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> HqPki:
    return make_pki(tmp_path_factory.mktemp("transport") / "pki")


@pytest.fixture(scope="module")
def hq(tmp_path_factory, pki):
    """One HQ with a good server certificate, shared by the tests that only connect to it."""
    server = _start_hq(tmp_path_factory.mktemp("hq"), pki)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def branch_with_events(tmp_path_factory, provisioned_branch, faces_dir) -> Path:
    """The demo branch after one demo rental: two events (verification, contract) wait in its outbox."""
    home = tmp_path_factory.mktemp("events") / "branch"
    shutil.copytree(provisioned_branch, home)
    subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(home), "--faces", str(faces_dir), "demo"],
        check=True, capture_output=True, timeout=300,
    )
    return home


@pytest.fixture
def branch(branch_with_events, tmp_path) -> Path:
    home = tmp_path / "branch"
    shutil.copytree(branch_with_events, home)
    return home


def _sync_now(home: Path) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(home), "--json", "sync", "now"], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


def _client(url: str, pki: HqPki, kiosk: IssuedPair | None = None) -> HqClient:
    kiosk = kiosk or pki.kiosk
    return HqClient(url, client_context(pki.ca.certificate, kiosk.certificate, kiosk.private_key))


def _health_over_tls(port: int, pki: HqPki, kiosk: IssuedPair | None, version: ssl.TLSVersion) -> bytes | str:
    """Send GET /v1/health with ``kiosk`` (or no certificate); return the raw response, or the error's name and text."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = context.maximum_version = version
    context.load_verify_locations(cafile=str(pki.ca.certificate))
    if kiosk is not None:
        # The kiosk's own check stops an expired certificate before HQ receives it, so load it directly.
        context.load_cert_chain(str(kiosk.certificate), str(kiosk.private_key))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as connection:
                connection.sendall(HEALTH_REQUEST)
                response = b""
                while chunk := connection.recv(4096):
                    response += chunk
                return response
        except OSError as error:  # ssl.SSLError is an OSError
            return f"{type(error).__name__}: {error}"


def _openssl_client(port: int, pki: HqPki, version_flag: str) -> subprocess.CompletedProcess:
    """Run ``openssl s_client`` with the kiosk's certificate at one TLS version, sending GET /v1/health."""
    return subprocess.run(
        [
            "openssl", "s_client", "-brief", "-ign_eof", "-connect", f"127.0.0.1:{port}", version_flag,
            # Security level 0 lets OpenSSL 3 offer TLS 1.0 and 1.1 at all; the server decides.
            "-cipher", "DEFAULT@SECLEVEL=0",
            "-CAfile", str(pki.ca.certificate), "-cert", str(pki.kiosk.certificate), "-key", str(pki.kiosk.private_key),
        ],
        input=HEALTH_REQUEST, capture_output=True, timeout=30,
    )


# Plain HTTP


def test_client_rejects_plain_http_url(pki, hq):
    with pytest.raises(ValueError, match="not https://"):
        _client(f"http://127.0.0.1:{hq.port}", pki)


def test_branch_config_rejects_plain_http_url(branch, pki, hq):
    link_branch(branch, pki, f"http://127.0.0.1:{hq.port}")

    with pytest.raises(ConfigError, match="must start with https://"):
        load_config(branch)

    status, report = _sync_now(branch)
    assert status == 2
    assert "https://" in report["error"]


def test_tls_port_serves_no_plain_http(pki, hq):
    with socket.create_connection(("127.0.0.1", hq.port), timeout=10) as plain:
        plain.sendall(HEALTH_REQUEST)
        plain.settimeout(10)
        try:
            response = plain.recv(4096)
        except ConnectionResetError:
            response = b""

    assert not response.startswith(b"HTTP/"), response
    # The same request over TLS with the kiosk's certificate returns 200, so the port is HQ's.
    assert _health_over_tls(hq.port, pki, pki.kiosk, ssl.TLSVersion.TLSv1_3).startswith(b"HTTP/1.1 200")


# TLS versions


@pytest.mark.parametrize("version_flag", ["-tls1", "-tls1_1"])
def test_hq_rejects_old_tls(pki, hq, version_flag):
    refused = _openssl_client(hq.port, pki, version_flag)
    accepted = _openssl_client(hq.port, pki, "-tls1_2")

    assert refused.returncode != 0
    assert b"CONNECTION ESTABLISHED" not in refused.stderr
    assert b"HTTP/1.1" not in refused.stdout
    assert accepted.returncode == 0, accepted.stderr
    assert b"Protocol version: TLSv1.2" in accepted.stderr
    assert accepted.stdout.startswith(b"HTTP/1.1 200")


def test_openssl_client_offers_old_tls(pki):
    """The same command does complete a TLS 1.0 handshake with a server that allows it, so HQ's refusal is HQ's."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT@SECLEVEL=0")
    context.load_cert_chain(str(pki.server.certificate), str(pki.server.private_key))
    listener = socket.create_server(("127.0.0.1", 0))
    negotiated: list[str] = []

    def serve_one() -> None:
        connection, _ = listener.accept()
        with context.wrap_socket(connection, server_side=True) as tls:
            negotiated.append(tls.version())
            tls.recv(4096)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        result = _openssl_client(listener.getsockname()[1], pki, "-tls1")
        thread.join(10)
    finally:
        listener.close()

    assert negotiated == ["TLSv1"]
    assert b"Protocol version: TLSv1\n" in result.stderr
    assert result.stdout.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["tls1_2", "tls1_3"])
def test_hq_accepts_tls_1_2_and_1_3(pki, hq, version):
    response = _health_over_tls(hq.port, pki, pki.kiosk, version)

    assert isinstance(response, bytes) and response.startswith(b"HTTP/1.1 200"), response
    body = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert (body["branch_id"], body["kiosk_id"]) == (BRANCH_ID, KIOSK_ID)


# Server certificates the kiosk rejects


def _self_signed_server(folder: Path) -> IssuedPair:
    """A server certificate for 127.0.0.1 that signs itself, made by the openssl command line."""
    folder.mkdir(parents=True)
    pair = IssuedPair(folder / "server.pem", folder / "server.key")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
            "-subj", "/O=CounterSign/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "extendedKeyUsage=serverAuth",
            "-keyout", str(pair.private_key), "-out", str(pair.certificate),
        ],
        check=True, capture_output=True, timeout=30,
    )
    return pair


SERVER_CASES = {
    "other_host": (lambda pki, folder: issue_server(pki.ca, folder, ["hq.example.internal"]), "mismatch"),
    "self_signed": (lambda pki, folder: _self_signed_server(folder), "self-signed certificate"),
    "expired": (lambda pki, folder: issue_server(pki.ca, folder, ["127.0.0.1"], days=30, now=PAST), "certificate has expired"),
    "other_ca": (lambda pki, folder: make_pki(folder).server, "unable to get local issuer certificate"),
}


@pytest.mark.parametrize("case", list(SERVER_CASES))
def test_kiosk_rejects_server_certificate(case, pki, branch, tmp_path):
    issue, reason = SERVER_CASES[case]
    server_pair = issue(pki, tmp_path / "bad-server")
    bad_hq = _start_hq(tmp_path / "hq", HqPki(ca=pki.ca, server=server_pair, kiosk=pki.kiosk))
    try:
        with _client(bad_hq.url, pki) as client, pytest.raises(HqNotTrusted, match=reason):
            client.health()

        link_branch(branch, pki, bad_hq.url)
        status, report = _sync_now(branch)
    finally:
        bad_hq.stop()

    assert status == 1
    assert report["status"] == "error"
    assert "is not trusted" in report["detail"], report["detail"]
    assert reason in report["detail"], report["detail"]
    assert (report["uploaded"], report["pending"]) == (0, 2)
    with connect(f"sqlite:///{tmp_path / 'hq' / 'hq.db'}").connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM events").scalar() == 0


# Client certificates HQ rejects


def _server_auth_only(pki: HqPki, folder: Path) -> IssuedPair:
    """A certificate from HQ's CA that names a branch and kiosk but has only the serverAuth usage."""
    pair = issue_server(pki.ca, folder, ["kiosk-02"])
    usage = x509.load_pem_x509_certificate(pair.certificate.read_bytes()).extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert [oid.dotted_string for oid in usage.value] == ["1.3.6.1.5.5.7.3.1"]  # serverAuth only
    return pair


CLIENT_CASES = {
    "none": lambda pki, folder: None,
    "other_ca": lambda pki, folder: make_pki(folder).kiosk,
    "expired": lambda pki, folder: issue_kiosk(pki.ca, folder, BRANCH_ID, "kiosk-old", days=30, now=PAST),
    "server_auth_only": _server_auth_only,
}


@pytest.mark.parametrize("case", list(CLIENT_CASES))
def test_hq_rejects_client_certificate(case, pki, hq, tmp_path):
    kiosk = CLIENT_CASES[case](pki, tmp_path / "client")

    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        response = _health_over_tls(hq.port, pki, kiosk, version)
        assert not (isinstance(response, bytes) and response.startswith(b"HTTP/")), (version, response)

    # The kiosk's valid certificate gets 200 from the same HQ, so the rejection comes from the certificate.
    assert _health_over_tls(hq.port, pki, pki.kiosk, ssl.TLSVersion.TLSv1_3).startswith(b"HTTP/1.1 200")
    assert hq.process.poll() is None


def test_expired_kiosk_certificate_reported(branch, pki, hq, tmp_path):
    expired = issue_kiosk(pki.ca, tmp_path / "old", BRANCH_ID, KIOSK_ID, days=30, now=PAST)
    with pytest.raises(KioskCertificateInvalid, match="expired"):
        client_context(pki.ca.certificate, expired.certificate, expired.private_key)

    link_branch(branch, HqPki(ca=pki.ca, server=pki.server, kiosk=expired), hq.url)
    status, report = _sync_now(branch)

    assert status == 1
    assert report["status"] == "error"
    assert "expired" in report["detail"], report["detail"]
    assert "hq issue-kiosk" in report["detail"], report["detail"]
    assert report["pending"] == 2


# Who the certificate names


def _event() -> Event:
    return Event(
        event_id=str(uuid.uuid4()), event_type="verification.recorded", aggregate_id="V-1",
        created_at=datetime.now(timezone.utc), payload={"decision": "approved"},
    )


def test_kiosk_cannot_upload_for_other_branch(pki, hq):
    event = _event()

    with _client(hq.url, pki) as client:
        with pytest.raises(HqRefused) as refused:
            client.upload(UploadRequest(branch_id="SH-PD01", kiosk_id=KIOSK_ID, events=[event]))
        accepted = client.upload(UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=[event]))

    assert "403" in str(refused.value)
    assert "wrong_sender" in str(refused.value)
    # The same event under the certificate's own branch is taken, and as new: the refused batch stored nothing.
    (result,) = accepted.results
    assert result.outcome is Outcome.ACCEPTED
    assert not result.repeat


def test_health_names_certificate_sender(pki, hq, tmp_path):
    other = issue_kiosk(pki.ca, tmp_path / "kiosks", "SH-PD01", "kiosk-07")

    with _client(hq.url, pki) as client:
        assert client.health() | {"protocol": None} == {"status": "ok", "protocol": None, "branch_id": BRANCH_ID, "kiosk_id": KIOSK_ID}
    with _client(hq.url, pki, other) as client:
        health = client.health()

    assert (health["branch_id"], health["kiosk_id"]) == ("SH-PD01", "kiosk-07")


# hq init, hq issue-kiosk and hq renew-server


def _cli_json(home: Path, *argv: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(home), "--json", *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_hq_init_issue_renew_sync(branch, tmp_path):
    port = free_port()
    hq_folder = tmp_path / "hq"
    created = _cli_json(tmp_path / "it", "hq", "init", str(hq_folder), "--port", str(port))
    issued = _cli_json(
        tmp_path / "it", "hq", "issue-kiosk", "--config", created["config"], "--branch", BRANCH_ID, "--kiosk", KIOSK_ID,
        "--out", str(tmp_path / "issued"),
    )

    tls = hq_folder / "tls"
    assert sorted(path.name for path in tls.iterdir()) == ["ca.key", "ca.pem", "server.key", "server.pem"]
    assert _mode(tls / "ca.key") == 0o600
    assert _mode(tls / "server.key") == 0o600
    assert _mode(issued["private_key"]) == 0o600
    assert Path(issued["ca"]).read_bytes() == Path(created["ca"]).read_bytes()
    kiosk = x509.load_pem_x509_certificate(Path(issued["certificate"]).read_bytes())
    assert kiosk.subject.rfc4514_string() == f"CN={KIOSK_ID},OU={BRANCH_ID},O=CounterSign"

    first_serial = x509.load_pem_x509_certificate((tls / "server.pem").read_bytes()).serial_number
    renewed = _cli_json(tmp_path / "it", "hq", "renew-server", "--config", created["config"])
    server_certificate = x509.load_pem_x509_certificate((tls / "server.pem").read_bytes())
    assert renewed["hosts"] == ["localhost", "127.0.0.1"]
    assert server_certificate.serial_number != first_serial
    assert _mode(tls / "server.key") == 0o600
    assert sorted(path.name for path in tls.iterdir()) == ["ca.key", "ca.pem", "server.key", "server.pem"]

    # The branch syncs with the renewed server certificate, pinning the CA that hq init made.
    pair = IssuedPair(Path(issued["certificate"]), Path(issued["private_key"]))
    link_branch(branch, HqPki(ca=IssuedPair(Path(issued["ca"]), tls / "ca.key"), server=None, kiosk=pair), f"https://127.0.0.1:{port}")
    server = HqProcess(Path(created["config"]), port, tmp_path / "hq.log").start()
    try:
        status, report = _sync_now(branch)
    finally:
        server.stop()

    assert status == 0, report
    assert (report["status"], report["uploaded"], report["pending"]) == ("ok", 2, 0)
