"""Run the HQ service with uvicorn: HTTPS only, TLS 1.2 or 1.3, a kiosk certificate required.

:func:`serve` runs in the calling process (tests start it as a subprocess through
``countersign hq serve``). The settings come from :class:`HqSettings`, read from a TOML
file by ``countersign hq serve --config``.
"""

import logging
import ssl
import tomllib
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from hq.app import Services, create_app
from hq.database import connect, migrate
from hq.tls import ClientCertificateProtocol
from kiosk.errors import ConfigError
from kiosk.messages import Message
from sync.tls import MINIMUM_VERSION

log = logging.getLogger(__name__)


class HqStartFailed(ConfigError):
    message = Message("总部服务无法启动，请查看 hq.toml 旁的日志。", "HQ could not start; see the log beside hq.toml.")


@dataclass(frozen=True)
class HqSettings:
    """Where HQ listens, its certificate, the CA of kiosk certificates and its database."""

    database_url: str
    certificate: Path
    private_key: Path
    client_ca: Path
    host: str = "127.0.0.1"
    port: int = 8443
    id_service_url: str | None = None  # the national citizen identity service, or its stand-in
    id_service_timeout: float = 3.0
    # The contract archive (hq.archive): HQ's timestamp authority, and the roots of branch
    # seals and of every TSA. OCSP responders and CRLs are the ones each certificate names.
    tsa_url: str | None = None
    tsa_timeout: float = 10.0  # seconds for one timestamp request
    trust_roots: tuple[Path, ...] = ()
    revocation_timeout: float = 10.0  # seconds for one OCSP or CRL request
    # Background jobs (hq.jobs) on this process: re-check offline approvals and upgrade
    # contracts soon after they arrive. Turn on for one process of a load-balanced HQ.
    run_jobs: bool = False
    job_interval_seconds: float = 30.0

    @classmethod
    def load(cls, path: Path) -> "HqSettings":
        """Read ``[hq]`` from a TOML file; relative paths are taken from the file's folder.

        Raises ``ValueError`` naming a missing or unknown key.
        """
        with path.open("rb") as handle:
            section = tomllib.load(handle).get("hq")
        if not isinstance(section, dict):
            raise ValueError(f"{path} has no [hq] table")
        known = set(cls.__dataclass_fields__)
        unknown = set(section) - known
        if unknown:
            raise ValueError(f"unknown keys in [hq] of {path}: {', '.join(sorted(unknown))}")
        for required in ("database_url", "certificate", "private_key", "client_ca"):
            if required not in section:
                raise ValueError(f"[hq] of {path} needs {required}")
        folder = path.parent
        values = dict(section)
        for name in ("certificate", "private_key", "client_ca"):
            values[name] = (folder / values[name]).resolve()
        if not isinstance(values.get("trust_roots", []), list):
            raise ValueError(f"trust_roots in [hq] of {path} must be a list of certificate files")
        values["trust_roots"] = tuple((folder / root).resolve() for root in values.get("trust_roots", []))
        url = values["database_url"]
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            values["database_url"] = f"sqlite:///{(folder / url[len('sqlite:///'):]).resolve()}"
        return cls(**values)


def build_services(settings: HqSettings) -> Services:
    """Connect to the database, bring it up to date and set up the national ID check."""
    engine = connect(settings.database_url)
    migrate(engine)
    id_checks = None
    if settings.id_service_url:
        from hq.id_check import HttpCitizenIdentityService, IdCheckDesk

        id_checks = IdCheckDesk(engine, HttpCitizenIdentityService(settings.id_service_url), timeout=settings.id_service_timeout)
    return Services(engine=engine, id_checks=id_checks)


def serve(settings: HqSettings) -> None:
    """Serve until interrupted."""
    services = build_services(settings)
    app = create_app(services)
    jobs = None
    if settings.run_jobs:
        from hq.jobs import start_jobs

        jobs = start_jobs(services, settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=ClientCertificateProtocol,
        ssl_certfile=str(settings.certificate),
        ssl_keyfile=str(settings.private_key),
        ssl_ca_certs=str(settings.client_ca),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
        log_config=None,
        access_log=False,
        timeout_keep_alive=30,
    )
    config.load()
    # Uvicorn builds the context without a minimum version; set it before the first handshake.
    config.ssl.minimum_version = MINIMUM_VERSION
    log.info("HQ serving on https://%s:%d", settings.host, settings.port)
    print(f"HQ starting on https://{settings.host}:{settings.port} | 总部服务正在启动", flush=True)
    try:
        uvicorn.Server(config).run()
    except SystemExit as stop:
        # Uvicorn exits with status 3 when it cannot start, for example when the port is taken.
        if stop.code not in (None, 0):
            raise HqStartFailed(
                f"HQ could not listen on {settings.host}:{settings.port} (uvicorn exit status {stop.code}); "
                "is another hq serve using the port? See the log beside hq.toml"
            ) from stop
    finally:
        if jobs is not None:
            jobs.shutdown(wait=False)
