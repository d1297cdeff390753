"""A demo HQ template key, and the shipped templates approved with it, for a demo branch.

A real branch receives approved templates and HQ's public key only. The demo has no
headquarters, so provisioning plays HQ's legal reviewer: it creates an Ed25519 key
pair, copies every shipped template version into the branch and approves it there.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from countersign.files import write_atomically
from kiosk.contracts import template_keys
from kiosk.contracts.approval import APPROVAL_FILE, WITHDRAWAL_LIST_FILE, approve_template, sign_withdrawal_list
from kiosk.contracts.template import TEMPLATE_FILE, load_template, template_folder
from resources import CONTRACTS_DIR

log = logging.getLogger(__name__)

DEMO_REVIEWER = "演示法务审核人 Demo legal reviewer"
TEMPLATES_FOLDER = "templates"
HQ_PUBLIC_KEY = "pki/hq-template-key.pub.pem"
# NOTE: only a demo branch holds HQ's private key; a real branch never does.
HQ_PRIVATE_KEY = "keys/hq-template-key.pem"


@dataclass(frozen=True)
class DemoTemplates:
    """Where provisioning put the approved templates and both halves of the demo HQ key."""

    templates_dir: Path
    hq_public_key: Path
    hq_private_key: Path
    approved: tuple[str, ...]  # "<template_id>/v<version>" of each approved version


def shipped_template_versions(contracts_dir: Path = CONTRACTS_DIR) -> list[tuple[str, str]]:
    """Return ``(template_id, version)`` of every ``<id>/v<version>/template.json`` under ``contracts_dir``."""
    versions = []
    for file in sorted(contracts_dir.glob(f"*/v*/{TEMPLATE_FILE}")):
        versions.append((file.parent.parent.name, file.parent.name.removeprefix("v")))
    return versions


def provision_demo_templates(home: Path, now: datetime | None = None, contracts_dir: Path = CONTRACTS_DIR) -> DemoTemplates:
    """Create the demo HQ template key in ``home`` and approve a copy of every shipped template version.

    Writes ``templates/<id>/v<version>/`` (``template.json`` and ``approval.json``),
    an empty signed ``templates/withdrawn.json``, the public key (``pki/``, 0644) and
    the private key (``keys/``, 0600). Raises a :class:`kiosk.errors.TemplateError`
    when a shipped template is malformed.
    """
    now = now or datetime.now(timezone.utc)
    key = ed25519.Ed25519PrivateKey.generate()
    result = DemoTemplates(
        templates_dir=home / TEMPLATES_FOLDER,
        hq_public_key=home / HQ_PUBLIC_KEY,
        hq_private_key=home / HQ_PRIVATE_KEY,
        approved=tuple(f"{template_id}/v{version}" for template_id, version in shipped_template_versions(contracts_dir)),
    )
    write_atomically(result.hq_private_key, template_keys.private_key_pem(key))
    write_atomically(result.hq_public_key, template_keys.public_key_pem(key.public_key()), mode=0o644)

    for template_id, version in shipped_template_versions(contracts_dir):
        source = template_folder(contracts_dir, template_id, version) / TEMPLATE_FILE
        target = template_folder(result.templates_dir, template_id, version)
        write_atomically(target / TEMPLATE_FILE, source.read_bytes(), mode=0o644)
        template = load_template(result.templates_dir, template_id, version)
        approval = approve_template(template, key, DEMO_REVIEWER, now)
        write_atomically(target / APPROVAL_FILE, approval.to_bytes(), mode=0o644)
        log.info("demo HQ approved contract template %s v%s, SHA-256 %s", template_id, version, template.sha256[:16])

    withdrawal_list = sign_withdrawal_list([], key, now)
    write_atomically(result.templates_dir / WITHDRAWAL_LIST_FILE, withdrawal_list.to_bytes(), mode=0o644)
    return result
