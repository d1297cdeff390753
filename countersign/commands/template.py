"""``countersign template``: review, approve, verify and withdraw contract template versions.

``diff`` shows a legal reviewer what changed between two versions. ``approve`` and
``withdraw`` are headquarters' tools and need HQ's template private key. ``verify``
checks a version as a kiosk would, with HQ's public key.
"""

import argparse
import json
import logging
import shutil
import sys
from datetime import datetime
from pathlib import Path

from countersign.config import CONFIG_NAME, load_config
from countersign.files import write_atomically
from kiosk.contracts import template_keys
from kiosk.contracts.approval import (
    APPROVAL_FILE,
    WITHDRAWAL_LIST_FILE,
    Withdrawal,
    approve_template,
    check_approved,
    parse_approval,
    read_withdrawal_list,
    sign_withdrawal_list,
)
from kiosk.contracts.template import read_template_file
from kiosk.contracts.template_diff import diff_templates
from kiosk.contracts.template_diff_text import describe_diff
from kiosk.contracts.template_errors import TemplateNotFound, TemplateVersionError, WithdrawalListInvalid
from kiosk.errors import ConfigError, TemplateError

log = logging.getLogger(__name__)


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add ``template diff``, ``approve``, ``verify`` and ``withdraw`` to the ``countersign`` parser."""
    template_parser = commands.add_parser("template", parents=[common], help="contract template versions: diff, approve, verify, withdraw")
    actions = template_parser.add_subparsers(dest="template_command", required=True)

    diff = actions.add_parser(
        "diff",
        parents=[common],
        help="list the fields, clauses and layout sections added, removed or changed between two versions",
        description="Exit status: 0 when the declarations are the same, 1 when they differ, 2 when a template cannot be read.",
    )
    diff.add_argument("old", type=Path, help="the old version: its folder or its template.json")
    diff.add_argument("new", type=Path, help="the new version: its folder or its template.json")
    diff.add_argument("--width", type=int, help="width of the text report in terminal cells (default: the terminal's; at least 60)")
    diff.set_defaults(handler=command_diff)

    approve = actions.add_parser(
        "approve",
        parents=[common],
        help="sign FOLDER/approval.json with HQ's template key (for HQ's legal reviewer)",
        description="Refuses a version that already has an approval of other content: an approved version is frozen.",
    )
    approve.add_argument("folder", type=Path, help="the version folder, <templates>/<template_id>/v<version>, containing template.json")
    _add_private_key_options(approve)
    approve.set_defaults(handler=command_approve)

    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="check a version as the kiosk does: approval signature, hash and withdrawal list",
        description="Exit status: 0 when the version is usable, 1 when it is refused, 2 when the HQ key cannot be used.",
    )
    verify.add_argument("folder", type=Path, help="the version folder containing template.json and approval.json")
    verify.add_argument("--hq-key", type=Path, help="HQ's template public key (PEM); default: [contract] hq_template_key of the branch in --home")
    verify.add_argument("--withdrawn", type=Path, help=f"the withdrawal list (default: {WITHDRAWAL_LIST_FILE} two folders above FOLDER)")
    verify.set_defaults(handler=command_verify)

    withdraw = actions.add_parser(
        "withdraw",
        parents=[common],
        help="add a version to the signed withdrawal list, so that kiosks refuse it (for HQ)",
    )
    withdraw.add_argument("folder", type=Path, help="the version folder containing template.json")
    _add_private_key_options(withdraw)
    withdraw.add_argument("--reason", required=True, help="why the version is withdrawn; kiosks show it to branch IT")
    withdraw.add_argument("--withdrawn", type=Path, help=f"the withdrawal list to update (default: {WITHDRAWAL_LIST_FILE} two folders above FOLDER)")
    withdraw.set_defaults(handler=command_withdraw)


def _add_private_key_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", type=Path, required=True, help="HQ's template private key (PEM; Ed25519 or ECDSA P-256)")
    parser.add_argument("--passphrase-file", type=Path, help="file containing the key's passphrase, when the key is encrypted")
    parser.add_argument("--reviewer", required=True, help="name of the legal reviewer who signs")


def _load_private_key(args: argparse.Namespace) -> template_keys.PrivateKey:
    passphrase = None
    if args.passphrase_file is not None:
        try:
            passphrase = args.passphrase_file.read_bytes().strip()
        except OSError as error:
            raise ConfigError(f"cannot read the passphrase file {args.passphrase_file}: {error.strerror}") from error
    return template_keys.load_private_key(args.key, passphrase)


def _emit(args: argparse.Namespace, payload: dict, lines: list[str]) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))


def command_diff(args: argparse.Namespace) -> int:
    old, old_folder = read_template_file(args.old)
    new, new_folder = read_template_file(args.new)
    diff = diff_templates(old, new)
    log.info(
        "template diff %s v%s -> %s v%s: %s",
        old.template_id,
        old.version,
        new.template_id,
        new.version,
        "no differences" if diff.identical else "differences found",
    )

    payload = diff.to_json()
    payload["old"]["path"] = str(old_folder)
    payload["new"]["path"] = str(new_folder)
    width = args.width or shutil.get_terminal_size((100, 24)).columns
    _emit(args, payload, describe_diff(diff, width))
    return 0 if diff.identical else 1


def command_approve(args: argparse.Namespace) -> int:
    template, folder = read_template_file(args.folder)
    key = _load_private_key(args)
    approval_path = folder / APPROVAL_FILE

    if approval_path.exists():
        try:
            existing = parse_approval(approval_path.read_bytes(), template.template_id, template.version)
        except (OSError, TemplateError) as error:
            raise ConfigError(f"{approval_path} exists and cannot be read ({error}); remove it if it is not a valid approval") from error
        if existing.sha256 != template.sha256:
            raise ConfigError(
                f"{approval_path} approves other content of {template.template_id} v{template.version} "
                f"(SHA-256 {existing.sha256[:16]}…, the file now has {template.sha256[:16]}…); "
                "an approved version is frozen, so put the changes in a new version folder"
            )
        # The first approval records who approved and when; a second one would replace it.
        log.info("template %s v%s already approved by %s; approval kept", template.template_id, template.version, existing.reviewer)
        payload = {"approval": str(approval_path), "already_approved": True, **existing.to_json()}
        del payload["signature"], payload["purpose"]
        _emit(
            args,
            payload,
            [
                f"already approved  {template.template_id} v{template.version} by {existing.reviewer} at {existing.approved_at}",
                f"kept              {approval_path} (remove it first to approve again, for example with a new HQ key)",
            ],
        )
        return 0
    if (folder.parent.name, folder.name) != (template.template_id, f"v{template.version}"):
        print(
            f"note: kiosks look for this version in <templates>/{template.template_id}/v{template.version}/, not in {folder}",
            file=sys.stderr,
        )

    if not args.reviewer.strip():
        raise ConfigError("--reviewer is empty; give the name of the legal reviewer who approves")
    approval = approve_template(template, key, args.reviewer, datetime.now().astimezone())
    write_atomically(approval_path, approval.to_bytes(), mode=0o644)
    log.info(
        "template %s v%s approved by %s, SHA-256 %s, key %s",
        template.template_id,
        template.version,
        approval.reviewer,
        template.sha256[:16],
        approval.key_fingerprint[:16],
    )

    payload = {"approval": str(approval_path), **approval.to_json()}
    del payload["signature"], payload["purpose"]
    _emit(
        args,
        payload,
        [
            f"approved  {template.template_id} v{template.version}",
            f"sha256    {template.sha256}",
            f"reviewer  {approval.reviewer} at {approval.approved_at}",
            f"key       {approval.algorithm} {approval.key_fingerprint}",
            f"written   {approval_path}",
        ],
    )
    return 0


def _hq_key_file(args: argparse.Namespace) -> Path:
    if args.hq_key is not None:
        return args.hq_key
    if (args.home / CONFIG_NAME).exists():
        configured = load_config(args.home).hq_template_key
        if configured is not None:
            return configured
    raise ConfigError(f"no HQ template key: pass --hq-key PUB.pem, or --home of a branch whose {CONFIG_NAME} sets [contract] hq_template_key")


def command_verify(args: argparse.Namespace) -> int:
    hq_key = template_keys.load_public_key(_hq_key_file(args))
    withdrawal_list_path = args.withdrawn or args.folder.parent.parent / WITHDRAWAL_LIST_FILE
    payload: dict = {"approved": False, "hq_key_fingerprint": template_keys.key_fingerprint(hq_key)}
    try:
        template, folder = read_template_file(args.folder)
        payload.update(template_id=template.template_id, version=template.version, sha256=template.sha256)
        approved = check_approved(template, folder, hq_key, withdrawal_list_path)
    except TemplateNotFound as error:
        # Nothing to judge: a wrong path is a usage error, not a refused template.
        raise ConfigError(f"no template at {args.folder}: {error}") from error
    except (TemplateVersionError, WithdrawalListInvalid) as error:
        log.warning("template verify %s: refused: %s", args.folder, error)
        payload.setdefault("template_id", getattr(error, "template_id", None))
        payload.setdefault("version", getattr(error, "version", None))
        payload.update(reason=error.code, detail=str(error), message=error.message.to_json())
        _emit(args, payload, [f"REFUSED  {error.code}: {error}", error.message.bilingual()])
        return 1

    assert approved.approval is not None
    approval = approved.approval
    log.info("template verify %s: %s v%s approved by %s", args.folder, template.template_id, template.version, approval.reviewer)
    payload.update(
        approved=True,
        reason=None,
        reviewer=approval.reviewer,
        approved_at=approval.approved_at,
        algorithm=approval.algorithm,
        withdrawal_list=str(withdrawal_list_path) if withdrawal_list_path.exists() else None,
    )
    lines = [
        f"approved  {template.template_id} v{template.version}",
        f"sha256    {template.sha256}",
        f"reviewer  {approval.reviewer} at {approval.approved_at}",
        f"key       {approval.algorithm} {approval.key_fingerprint}",
        f"withdrawn {'not listed in ' + str(withdrawal_list_path) if withdrawal_list_path.exists() else 'no withdrawal list found'}",
    ]
    _emit(args, payload, lines)
    return 0


def command_withdraw(args: argparse.Namespace) -> int:
    if not args.reviewer.strip() or not args.reason.strip():
        raise ConfigError("--reviewer and --reason must not be empty")
    template, folder = read_template_file(args.folder)
    key = _load_private_key(args)
    list_path = args.withdrawn or folder.parent.parent / WITHDRAWAL_LIST_FILE
    existing = read_withdrawal_list(list_path, key.public_key())
    entries = list(existing.withdrawn) if existing is not None else []

    now = datetime.now().astimezone()
    entry = next((withdrawal for withdrawal in entries if withdrawal.matches(template)), None)
    if entry is None:
        entry = Withdrawal(
            template_id=template.template_id,
            version=template.version,
            sha256=template.sha256,
            reviewer=args.reviewer.strip(),
            reason=args.reason.strip(),
            withdrawn_at=now.isoformat(timespec="seconds"),
        )
        entries.append(entry)
        write_atomically(list_path, sign_withdrawal_list(entries, key, now).to_bytes(), mode=0o644)
        log.info("template %s v%s withdrawn by %s: %s", template.template_id, template.version, args.reviewer, args.reason)
    else:
        log.info("template %s v%s was already withdrawn on %s", template.template_id, template.version, entry.withdrawn_at)

    payload = {"withdrawal_list": str(list_path), "entries": len(entries), **entry.to_json()}
    _emit(
        args,
        payload,
        [
            f"withdrawn {template.template_id} v{template.version} on {entry.withdrawn_at}: {entry.reason}",
            f"list      {list_path} ({len(entries)} withdrawn version(s))",
        ],
    )
    return 0
