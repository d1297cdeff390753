"""``countersign contract verify|export``: judge the seal of a contract file; copy a contract out of the store.

``verify`` judges a file as valid, modified, invalid or unsigned. ``export`` is in
:mod:`countersign.commands.access`, since it signs in as an account.
"""

import argparse
import json
import logging
from pathlib import Path

from countersign.config import CONFIG_NAME, load_config
from kiosk.contracts.validation import STATUS_VALID, ContractVerification, load_trust_roots, verify_contract_pdf
from kiosk.errors import ConfigError
from kiosk.messages import Message

log = logging.getLogger("countersign.commands.contract")

# A rendered contract is well under 1 MB; anything far larger is not one of ours.
MAX_PDF_BYTES = 64 * 1024 * 1024
_UNREADABLE = Message("无法读取合同文件。", "The contract file could not be read.")
_BAD_TRUST = Message("无法读取信任的根证书。", "The trusted root certificate could not be read.")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``contract verify`` to the ``countersign`` parser."""
    contract = commands.add_parser("contract", parents=[common], help="sealed contract PDFs")
    actions = contract.add_subparsers(dest="contract_command", required=True)
    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="validate every signature and timestamp of a contract PDF and report its PAdES level",
        description=(
            "Status: valid, modified (signed, then changed in a way the seal does not allow), invalid "
            "(a signature does not hold, its signer is not trusted, or the file is damaged) or unsigned. "
            "A damaged file is named by a reason code: not_pdf, truncated, encrypted, permission_restricted, "
            "broken_xref, hybrid_xref, orphaned_generation, trailing_data or unreadable. "
            "Exit status: 0 when valid, 1 otherwise, 2 when PDF or a trust certificate cannot be read."
        ),
    )
    verify.add_argument("pdf", type=Path, help="the contract PDF")
    verify.add_argument(
        "--trust",
        type=Path,
        action="append",
        metavar="CERT.pem",
        help="root certificate to trust (PEM or DER), repeatable; default: signing.trust_roots of --home, if it has branch.toml",
    )
    verify.set_defaults(handler=command_contract_verify)

    from countersign.commands.access import acting_options, command_contract_export

    export = actions.add_parser(
        "export",
        parents=[common, acting_options()],
        help="write a signed contract's PDF from the encrypted store to a file (mode 0600); the read is audited",
        description="Needs an account allowed to read personal data (clerk, supervisor or auditor) and a purpose.",
    )
    export.add_argument("contract_no", help="the contract number, as printed by demo or shown at the counter")
    export.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    export.add_argument("--purpose", required=True, help="the reason for the read, written to the audit log")
    export.set_defaults(handler=command_contract_export)


def command_contract_verify(args: argparse.Namespace) -> int:
    trust_paths = list(args.trust or [])
    if not trust_paths and (args.home / CONFIG_NAME).is_file():
        trust_paths = list(load_config(args.home).trust_roots)
    try:
        roots = load_trust_roots(trust_paths)
    except (OSError, ValueError) as error:
        names = ", ".join(map(str, trust_paths))
        raise ConfigError(f"cannot load a trust root certificate ({names}): {error}", _BAD_TRUST) from error

    result = verify_contract_pdf(read_pdf(args.pdf), roots)
    log.info(
        "contract verify %s: %s, PAdES level %s, %d signature(s)",
        args.pdf, result.status, result.pades_level or "none", len(result.signatures),
    )

    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(describe(result, trusted_roots=len(roots))))
    return 0 if result.status == STATUS_VALID else 1


def read_pdf(path: Path) -> bytes:
    """Return the bytes of ``path``; raises :class:`ConfigError` when it cannot be read or is too large."""
    try:
        with path.open("rb") as source:
            data = source.read(MAX_PDF_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}", _UNREADABLE) from error
    if len(data) > MAX_PDF_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_PDF_BYTES // (1024 * 1024)} MiB, too large for a contract", _UNREADABLE)
    return data


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


# The verdict for a person, by status.
_VERDICTS = {
    "valid": Message("签章有效，签章后文件未被改动。", "The seal is valid and the file has not been changed since."),
    "modified": Message(
        "签章本身有效，但签章后文件被以不允许的方式改动。", "The seal itself is valid, but the file was changed afterwards in a way it does not allow."
    ),
    "invalid": Message("签章无效，或文件已损坏。", "The seal is not valid, or the file is damaged."),
    "unsigned": Message("文件没有签章。", "The file has no seal."),
    "untrusted": Message(
        "签章和文件完好，但签章人或时间戳服务的证书不在信任的根证书之下；请用 --trust 提供其根证书。",
        "The seal and the file are intact, but the signer's or the timestamp authority's certificate "
        "does not chain to a trusted root; give its root with --trust.",
    ),
}


def describe(result: ContractVerification, trusted_roots: int) -> list[str]:
    """Return the lines ``contract verify`` prints without ``--json``."""
    lines = [
        f"status       {result.status}",
        f"             {_VERDICTS['untrusted' if result.untrusted else result.status].bilingual()}",
        f"pades_level  {result.pades_level or '-'}",
        f"whole file   {_yes_no(result.covers_whole_file)}",
    ]
    for reason in result.reasons:
        lines.append(f"reason       {reason.code}: {reason.detail}")
        lines.append(f"             {reason.message.bilingual()}")
    for finding in result.signatures:
        kind = "timestamp" if finding.kind == "document_timestamp" else "signature"
        changes = finding.modification_level or "not analysed"
        lines.append(
            f"{kind:<12} {finding.field_name}: {finding.signer or 'unknown signer'}; intact {_yes_no(finding.intact)}, "
            f"trusted {_yes_no(finding.trusted)}, changes after it {changes} "
            f"(allowed {_yes_no(finding.changes_allowed)}), level {finding.pades_level or '-'}"
        )
        lines.extend(f"  problem    {problem}" for problem in finding.problems)
    if not trusted_roots and result.signatures:
        lines.append("No trust root was given (--trust CERT.pem, or --home of the branch), so no signer can be trusted.")
    return lines
