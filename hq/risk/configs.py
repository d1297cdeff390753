"""Risk configuration versions at HQ: a risk officer stores a version, and publishing ships it to branches.

The current configuration is the version published last. Before any version is
published, it is the default shipped in ``resources/risk``, which branches also start
with. Storing a version changes nothing at branches; only :func:`publish_config` does,
as the reference item ``risk_config/current``.
"""

import json
import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, insert, select, update

from hq.reference import publish
from hq.risk.tables import risk_configs
from kiosk.risk.config import RiskConfig, RiskConfigError, load_default_config
from sync.protocol import canonical_json

log = logging.getLogger(__name__)


class ConfigVersionError(ValueError):
    """A configuration version that cannot be stored or published; the message names the version."""


def parse_config(document: dict[str, Any]) -> RiskConfig:
    """Return the configuration of ``document``; raises :class:`ConfigVersionError` when it cannot be applied."""
    try:
        return RiskConfig.from_json(document)
    except RiskConfigError as error:
        raise ConfigVersionError(str(error)) from error


def store_config(engine: Engine, document: dict[str, Any], stored_by: str, now: datetime | None = None) -> RiskConfig:
    """Store ``document`` as a new version, unpublished.

    Storing the same document again is a no-op. Raises :class:`ConfigVersionError` when
    the document is not valid, or when its version is stored already with other content.
    """
    config = parse_config(document)
    text = canonical_json(config.to_json())
    with engine.begin() as connection:
        stored = connection.execute(select(risk_configs.c.document).where(risk_configs.c.version == config.version)).first()
        if stored is not None:
            if stored.document != text:
                raise ConfigVersionError(f"version {config.version} is stored already with other content; give the new one another version")
            return config
        connection.execute(
            insert(risk_configs).values(
                version=config.version, document=text, stored_by=stored_by, stored_at=now or datetime.now(timezone.utc)
            )
        )
    log.info("risk configuration %s stored by %s", config.version, stored_by)
    return config


def stored_config(engine: Engine, version: str) -> RiskConfig:
    """Return stored ``version``; raises :class:`ConfigVersionError` when it is not stored."""
    with engine.connect() as connection:
        row = connection.execute(select(risk_configs.c.document).where(risk_configs.c.version == version)).first()
    if row is None:
        raise ConfigVersionError(f"risk configuration version {version} is not stored; store it first with 'hq risk store-config'")
    return parse_config(json.loads(row.document))


def publish_config(engine: Engine, version: str, published_by: str, now: datetime | None = None) -> int:
    """Ship stored ``version`` to branches as ``risk_config/current`` and make it HQ's current one; return the cursor."""
    config = stored_config(engine, version)
    at = now or datetime.now(timezone.utc)
    cursor = publish(engine, "risk_config", [("current", config.to_json())], now=at)
    with engine.begin() as connection:
        connection.execute(
            update(risk_configs).where(risk_configs.c.version == version).values(published_by=published_by, published_at=at)
        )
    log.info("risk configuration %s published by %s at cursor %d", version, published_by, cursor)
    return cursor


def current_config(engine: Engine) -> RiskConfig:
    """Return the version published last, or the shipped default before any was published."""
    with engine.connect() as connection:
        row = connection.execute(
            select(risk_configs.c.document)
            .where(risk_configs.c.published_at.is_not(None))
            .order_by(risk_configs.c.published_at.desc())
            .limit(1)
        ).first()
    if row is None:
        return load_default_config()
    return parse_config(json.loads(row.document))
