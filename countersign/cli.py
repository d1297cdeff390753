"""The ``countersign`` command line for branch IT: demo, kiosk and diagnostics.

Every subcommand accepts ``--json`` for one machine-readable object on stdout. Exit
status is 0 on success, 1 when the job ran but did not succeed (a refused demo
customer, an invalid signature) and 2 on a usage or configuration error.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

from countersign import __version__
from countersign.commands import access as access_commands
from countersign.commands import archive as archive_commands
from countersign.commands import contract as contract_commands
from countersign.commands import counter as counter_commands
from countersign.commands import face as face_commands
from countersign.commands import hq as hq_commands
from countersign.commands import id as id_commands
from countersign.commands import mrz as mrz_commands
from countersign.commands import reader as reader_commands
from countersign.commands import risk as risk_commands
from countersign.commands import report as report_commands
from countersign.commands import store as store_commands
from countersign.commands import sync as sync_commands
from countersign.commands import template as template_commands
from countersign.config import CONFIG_NAME, load_config
from countersign.logs import configure_logging
from devices.errors import DeviceError
from kiosk.errors import ConfigError, CounterSignError, user_message
from kiosk.messages import Message
from kiosk.store.accounts import AccessDenied, AccountDisabled, AccountLocked, AuthenticationFailed

log = logging.getLogger("countersign")

# Modules under countersign/commands/ whose register() adds diagnostic subcommands.
COMMAND_MODULES: list = [
    access_commands,
    archive_commands,
    contract_commands,
    counter_commands,
    face_commands,
    hq_commands,
    id_commands,
    mrz_commands,
    reader_commands,
    report_commands,
    risk_commands,
    store_commands,
    sync_commands,
    template_commands,
]

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_FACES = REPOSITORY / "build" / "fixtures" / "face_recognition"


def default_home() -> Path:
    if os.environ.get("COUNTERSIGN_HOME"):
        return Path(os.environ["COUNTERSIGN_HOME"])
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "countersign" / "demo"


def default_faces() -> Path:
    return Path(os.environ.get("COUNTERSIGN_DEMO_FACES") or DEFAULT_FACES)


def _emit(args: argparse.Namespace, payload: dict, lines: list[str]) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))


def _ensure_branch(home: Path, faces: Path) -> None:
    """Provision the demo branch in ``home`` when it has no configuration yet."""
    if (home / CONFIG_NAME).exists():
        return
    from countersign.demo_branch import provision_demo_branch

    print(f"No branch configuration in {home}; creating a demo branch there.", file=sys.stderr)
    provision_demo_branch(home, faces)


def command_init_demo(args: argparse.Namespace) -> int:
    from countersign.demo_branch import provision_demo_branch

    config = provision_demo_branch(args.home, args.faces)
    _emit(
        args,
        {"home": str(config.home), "store_path": str(config.store_path), "branch_id": config.branch.branch_id},
        [f"Demo branch {config.branch.branch_id} created in {config.home}", f"Store: {config.store_path}"],
    )
    return 0


def command_demo(args: argparse.Namespace) -> int:
    from countersign.demo_branch import IMPOSTOR_FRAMES, seed_demo_reservation
    from countersign.files import write_atomically
    from countersign.headless import drive_session
    from countersign.runtime import BranchRuntime
    from devices.signature_pad import SimulatedSignaturePad

    _ensure_branch(args.home, args.faces)
    config = load_config(args.home)
    camera_frames = config.home / IMPOSTOR_FRAMES if args.scenario == "mismatch" else None

    printed: list[str] = []

    def show(record) -> None:
        line = f"{record.stage.value:<13} {record.outcome.value:<7} {record.reason.zh} / {record.reason.en}"
        printed.append(line)
        if not args.json:
            print(line, flush=True)

    with BranchRuntime(config, camera_frames=camera_frames) as runtime:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad(), on_record=show)

        # The kiosk keeps contracts only in the encrypted store; a plain copy is written
        # only when the user names a file for it.
        contract_pdf = None
        if session.signed is not None and args.save_pdf is not None:
            contract_pdf = args.save_pdf
            try:
                write_atomically(contract_pdf, session.signed.pdf, mode=0o600)
            except OSError as error:
                # The contract is already sealed and stored; only the copy failed.
                log.error("cannot write the contract copy %s: %s", contract_pdf, error.strerror)
                print(
                    f"warning: cannot write {contract_pdf}: {error.strerror} | 警告：无法写入合同副本，合同已保存在加密存储中。",
                    file=sys.stderr,
                )
                contract_pdf = None

        payload = {
            "decision": session.decision,
            "stages": [record.to_json() for record in session.records],
            "contract_pdf": str(contract_pdf) if contract_pdf else None,
            "store_path": str(config.store_path),
            "session_id": session.session_id,
            "contract_no": session.signed.contract_no if session.signed else None,
            # The verification id: the transaction that countersign risk explain looks up.
            "transaction_id": session.verification_id,
        }
        session.forget_personal_data()

    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(f"\ndecision      {payload['decision']}")
        print(f"contract_no   {payload['contract_no'] or '-'}")
        if payload["contract_pdf"]:
            print(f"contract_pdf  {payload['contract_pdf']} (plain copy, mode 0600)")
        print(f"store_path    {payload['store_path']}")
    return 0 if session.decision == "approved" else 1


def has_display() -> bool:
    """Return whether Qt can show a window: an X or Wayland display, or a platform set by hand."""
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def command_kiosk(args: argparse.Namespace) -> int:
    if args.screenshots is not None:
        return _kiosk_screenshots(args)
    _ensure_branch(args.home, args.faces)
    config = load_config(args.home)
    if not has_display():
        if config.reader.kind != "simulated":
            raise ConfigError("no display found (DISPLAY and WAYLAND_DISPLAY are unset); the kiosk needs a screen")
        print("No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the demo session headless.", file=sys.stderr)
        args.scenario = "match"
        args.save_pdf = None
        return command_demo(args)

    log.info("opening the kiosk window on display %s", os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))
    from kiosk.ui.app import run_kiosk

    return run_kiosk(config, windowed=args.windowed)


def _kiosk_screenshots(args: argparse.Namespace) -> int:
    """Render every kiosk screen to PNG in args.screenshots, offscreen unless QT_QPA_PLATFORM is set.

    The rental runs on a throwaway demo branch in a temporary folder, so no reservation,
    contract number or record reaches the branch's store, and nothing reaches HQ.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from countersign.demo_branch import provision_demo_branch
    from kiosk.ui.screenshots import take_screenshots

    with tempfile.TemporaryDirectory(prefix="countersign-screens-") as folder:
        throwaway = provision_demo_branch(Path(folder) / "branch", args.faces)
        log.info("screenshots: rendering on a throwaway demo branch in %s", folder)
        saved = take_screenshots(throwaway, args.screenshots)
    _emit(args, {"screenshots": [str(path) for path in saved]}, [str(path) for path in saved])
    return 0


def command_check_pdf(args: argparse.Namespace) -> int:
    from kiosk.contracts.validation import SealInvalid, load_trust_roots, validate_sealed_pdf

    roots_paths = list(args.trust_root or [])
    if not roots_paths and (args.home / CONFIG_NAME).exists():
        roots_paths = list(load_config(args.home).trust_roots)
    try:
        pdf = args.pdf.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"cannot read {args.pdf}: {error.strerror}", Message("无法读取合同文件。", "The contract file could not be read.")
        ) from error
    try:
        roots = load_trust_roots(roots_paths)
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot load a trust root certificate ({', '.join(map(str, roots_paths))}): {error}") from error

    try:
        reports = validate_sealed_pdf(pdf, roots)
    except SealInvalid as error:
        log.warning("check-pdf %s: invalid (%s): %s", args.pdf, error.code, error)
        payload = {"ok": False, "reason": error.code, "error": str(error), "message": error.message.to_json()}
        _emit(args, payload, [f"invalid ({error.code}): {error}", error.message.bilingual()])
        return 1

    ok = all(report.ok for report in reports)
    for report in reports:
        log.info("check-pdf %s: field %s %s (%s)", args.pdf, report.field_name, "ok" if report.ok else "NOT OK", report.summary)
    lines = [
        f"{report.field_name}: {'OK' if report.ok else 'NOT OK'} ({report.summary}); signer {report.signer}; "
        f"whole file {'yes' if report.covers_whole_file else 'no'}"
        for report in reports
    ]
    file_problems = reports[0].file_problems
    for problem in file_problems:
        log.warning("check-pdf %s: %s: %s", args.pdf, problem.code, problem.detail)
        lines.append(f"problem ({problem.code}): {problem.detail}")
        lines.append(problem.message.bilingual())
    if not roots:
        lines.append("No trust root was given (--trust-root CERT, or --home of the branch), so no signer can be trusted.")
    payload = {"ok": ok, "signatures": [report.to_json() for report in reports], "problems": [p.to_json() for p in file_problems]}
    _emit(args, payload, lines)
    return 0 if ok else 1


def _add_common_options(parser: argparse.ArgumentParser, with_defaults: bool) -> None:
    """Add the options every subcommand takes, before or after the subcommand name.

    The copies on the subcommands default to ``SUPPRESS``, so that they only override
    the values given before the subcommand name when they are given themselves.
    """

    def default(value):
        return value if with_defaults else argparse.SUPPRESS

    parser.add_argument("--home", type=Path, default=default(default_home()), help="branch folder holding branch.toml (default: $COUNTERSIGN_HOME or ~/.local/share/countersign/demo)")
    parser.add_argument("--faces", type=Path, default=default(default_faces()), help="folder of the demo photographs (default: $COUNTERSIGN_DEMO_FACES or build/fixtures/face_recognition)")
    parser.add_argument("--json", action="store_true", default=default(False), help="print one JSON object instead of text")
    parser.add_argument("-v", "--verbose", action="store_true", default=default(False), help="log at INFO level to stderr as well")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="countersign", description="CounterSign 租车核验台 — branch tools")
    parser.add_argument("--version", action="version", version=f"countersign {__version__}")
    _add_common_options(parser, with_defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _add_common_options(common, with_defaults=False)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", parents=[common], help="run one rental session headless on simulated devices")
    demo.add_argument(
        "--scenario",
        choices=("match", "mismatch"),
        default="match",
        help="match: the card holder is at the camera; mismatch: another person is (default: %(default)s)",
    )
    demo.add_argument(
        "--save-pdf",
        type=Path,
        metavar="FILE",
        help="also write the sealed contract to FILE (mode 0600), a plain copy outside the encrypted store",
    )
    demo.set_defaults(handler=command_demo)

    kiosk = commands.add_parser("kiosk", parents=[common], help="open the self-service kiosk window")
    kiosk.add_argument("--windowed", action="store_true", help="run in a window instead of full-screen kiosk mode")
    kiosk.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="drive a demo rental through every screen and save each, in Chinese and English, as PNG in DIR, then exit",
    )
    kiosk.set_defaults(handler=command_kiosk)

    init = commands.add_parser("init-demo", parents=[common], help="create a demo branch in --home")
    init.set_defaults(handler=command_init_demo)

    check = commands.add_parser("check-pdf", parents=[common], help="validate the seal of a signed contract PDF")
    check.add_argument("pdf", type=Path, help="the contract PDF")
    check.add_argument("--trust-root", type=Path, action="append", help="CA certificate to trust (PEM or DER); repeatable")
    check.set_defaults(handler=command_check_pdf)

    for module in COMMAND_MODULES:
        module.register(commands, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        # Checking a PDF or a template on a machine without a branch logs to the terminal
        # only, and creates nothing.
        file_tool = args.command in ("check-pdf", "contract", "template", "store")
        log_dir = None if file_tool and not args.home.is_dir() else args.home / "logs"
        # HQ keeps its own logs beside hq.toml, never in a branch folder.
        hq_config = getattr(args, "config", None) if args.command == "hq" else None
        if hq_config is not None:
            log_dir = hq_config.resolve().parent / "logs" if hq_config.is_file() else None
        configure_logging(log_dir, verbose=args.verbose)
    except OSError as error:
        print(f"error: cannot create the log folder in {args.home}: {error.strerror}", file=sys.stderr)
        return 2

    try:
        status = args.handler(args)
        sys.stdout.flush()  # here, so that a closed pipe is handled below and not at exit
        return status
    except (AccessDenied, AuthenticationFailed, AccountLocked, AccountDisabled) as error:
        # The command ran and was refused: a wrong PIN, a lock-out or a role without the right.
        log.error("%s refused: %s", args.command, error, extra={"console": False})
        _print_error(args, str(error), user_message(error))
        return 1
    except (CounterSignError, DeviceError) as error:
        log.error("%s failed: %s", args.command, error, extra={"console": False})
        _print_error(args, str(error), user_message(error))
        return 2
    except KeyboardInterrupt:
        log.warning("%s interrupted", args.command, extra={"console": False})
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (``countersign ... | head``): stop quietly, as
        # other command-line tools do, and keep the interpreter from failing at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:
        log.exception("%s failed unexpectedly", args.command, extra={"console": False})
        detail = f"unexpected {type(error).__name__}: {error}; the traceback is in {args.home / 'logs' / 'countersign.log'}"
        _print_error(args, detail, user_message(error))
        return 2


def _print_error(args: argparse.Namespace, detail: str, message: Message) -> None:
    """Print one line with the technical detail for IT in English, then the sentence in Chinese.

    With --json both go into one object on stdout, with the sentence in both languages.
    """
    if args.json:
        print(json.dumps({"error": detail, "message": message.to_json()}, ensure_ascii=False))
    else:
        print(f"error: {detail} | 错误：{message.zh}", file=sys.stderr)
