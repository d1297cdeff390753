"""Time rendering and sealing one contract, beside pyHanko's own ``pyhanko sign addsig`` on the same PDF.

Usage: python benchmarks/contract_signing.py [--runs N] [--bench-venv DIR] [--profile FILE]

Renders the shipped rental agreement the way the session's signing step does
(``render_contract``, then ``ContractSealer.seal`` with the simulated pad's signature
image). The ECDSA P-256 seal key is used once from a PKCS#12 file and once from a
SoftHSM2 token made in a temporary folder. The first contract of the process is reported on its
own row because it loads the fonts, and the N contracts after it give the median and max.

Beside it, on one unsigned contract PDF rendered once and with the same key:

- the ``pyhanko sign addsig`` command (pyHanko 0.38.0 with pyhanko-cli 0.6.0), timed as a
  whole process. The CLI is not a project dependency, so it runs from ``--bench-venv``,
  which the script creates when it is missing.
- ``pyhanko.sign.signers.sign_pdf`` in this process with default metadata, a new field at
  the seal's box and pyHanko's default stamp. This is what the CLI runs once it has
  started, so its ratio to the seal compares the signing work alone.

With ``--profile FILE``, the PKCS#12 seal runs N more times under cProfile and the
statistics are written to FILE (read it with ``python -m pstats FILE``).
"""

import argparse
import cProfile
import io
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from machine import describe_machine  # noqa: E402

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402

from devices.signature_pad import SimulatedSignaturePad  # noqa: E402
from kiosk.contracts.drafting import draft_contract  # noqa: E402
from kiosk.contracts.render import Acknowledgement, RenderedContract, render_contract  # noqa: E402
from kiosk.contracts.sealing import SIGNATURE_FIELD, ContractSealer  # noqa: E402
from kiosk.contracts.signature_image import render_signature_png  # noqa: E402
from kiosk.contracts.signers import Pkcs11KeySource, Pkcs12KeySource  # noqa: E402
from tests import contract_fixtures as fx  # noqa: E402
from tests.pki.authority import IssuedCertificate, make_authority  # noqa: E402
from tests.pki.softhsm import SoftHsmToken, import_seal, make_token, reset_library  # noqa: E402

PYHANKO_PACKAGES = ["pyHanko[pkcs11]==0.38.0", "pyhanko-certvalidator==0.33.0", "pyhanko-cli==0.6.0"]
KEY_LABEL = "company-seal"
PASSPHRASE = b"benchmark-seal-passphrase"
# Only written into the certificates; nothing is fetched, because the seal is PAdES B-B.
UNUSED_PKI_URL = "http://127.0.0.1:9"
REASON = "租车合同 Car rental contract benchmark"


@dataclass(frozen=True)
class SealKeys:
    """One seal certificate and key, as a PKCS#12 file and on a SoftHSM2 token."""

    seal: IssuedCertificate
    pkcs12: Pkcs12KeySource
    pkcs11: Pkcs11KeySource
    token: SoftHsmToken


@dataclass(frozen=True)
class ContractInputs:
    """Everything ``render_contract`` and ``ContractSealer.seal`` take, built once."""

    draft: object
    template: object
    branch: object
    acknowledgements: list[Acknowledgement]
    signature_png: bytes


def make_keys(folder: Path) -> SealKeys:
    """Issue a seal under a throwaway root, write it as PKCS#12 and import it to a new SoftHSM2 token.

    Sets ``SOFTHSM2_CONF`` in this process, so that python-pkcs11 and the CLI find the token.
    """
    authority = make_authority(folder / "pki", UNUSED_PKI_URL)
    seal = authority.issue_seal(KEY_LABEL)
    passphrase_file = folder / "seal.passphrase"
    passphrase_file.write_bytes(PASSPHRASE)
    pkcs12 = Pkcs12KeySource(authority.write_pkcs12(seal, PASSPHRASE), passphrase_file)

    token = make_token(folder / "softhsm", "CounterSign Bench")
    os.environ["SOFTHSM2_CONF"] = str(token.config_path)
    reset_library(token.module)
    import_seal(token, seal, KEY_LABEL)
    pin_file = folder / "seal.pin"
    pin_file.write_text(token.pin + "\n")
    pkcs11 = Pkcs11KeySource(token.module, token.label, KEY_LABEL, pin_file)
    return SealKeys(seal, pkcs12, pkcs11, token)


def contract_inputs() -> ContractInputs:
    """Draft the shipped rental agreement from the test sources, with every clause acknowledged."""
    template = fx.template()
    sources = fx.sources()
    acknowledged_at = datetime(2026, 12, 5, 10, 1, tzinfo=fx.ZONE)
    acknowledgements = [Acknowledgement(c.clause_id, acknowledged_at) for c in template.clauses if c.must_acknowledge]
    signature_png = render_signature_png(SimulatedSignaturePad().capture())
    return ContractInputs(draft_contract(template, sources), template, sources.branch, acknowledgements, signature_png)


def render(inputs: ContractInputs) -> RenderedContract:
    return render_contract(inputs.draft, inputs.template, inputs.branch, inputs.acknowledgements, datetime.now(fx.ZONE))


def time_render_and_seal(sealer: ContractSealer, inputs: ContractInputs) -> tuple[float, float]:
    """Render and seal one contract; return the seconds of each step."""
    started = time.perf_counter()
    rendered = render(inputs)
    rendered_at = time.perf_counter()
    sealed = sealer.seal(rendered, inputs.signature_png, reason=REASON)
    sealed_at = time.perf_counter()

    check_signed(sealed.pdf)
    return rendered_at - started, sealed_at - rendered_at


def check_signed(pdf: bytes) -> None:
    """Raise ``RuntimeError`` unless ``pdf`` carries exactly one embedded signature."""
    count = len(PdfFileReader(io.BytesIO(pdf)).embedded_signatures)
    if count != 1:
        raise RuntimeError(f"expected one signature in the output, found {count}")


def sign_plain(pdf: bytes, signer: signers.Signer, box: fields.SigFieldSpec) -> bytes:
    """Sign ``pdf`` the way ``pyhanko sign addsig --field`` does once started: default metadata, new field."""
    output = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD),
        signer=signer,
        new_field_spec=box,
        output=output,
    )
    return output.getvalue()


def ensure_bench_venv(venv: Path) -> Path:
    """Return the ``pyhanko`` command of ``venv``, creating the environment with the pinned CLI when missing."""
    command = venv / "bin" / "pyhanko"
    if command.exists():
        return command
    print(f"Creating {venv} with {', '.join(PYHANKO_PACKAGES)}...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *PYHANKO_PACKAGES], check=True)
    return command


def cli_commands(pyhanko: Path, keys: SealKeys, field: str, unsigned: Path, folder: Path) -> dict[str, list[str]]:
    """Return the ``pyhanko sign addsig`` command line for each key source."""
    signed = str(folder / "cli-signed.pdf")
    addsig = [str(pyhanko), "sign", "addsig", "--field", field]
    return {
        "PKCS#12": [
            *addsig, "pkcs12", "--passfile", str(keys.pkcs12.passphrase_file), str(unsigned), signed, str(keys.pkcs12.path),
        ],
        # SoftHSM 2.6 has no hash-then-sign ECDSA mechanism, so both sides sign with raw CKM_ECDSA.
        "PKCS#11": [
            *addsig, "pkcs11", "--lib", str(keys.token.module), "--token-label", keys.token.label,
            "--key-label", KEY_LABEL, "--cert-label", KEY_LABEL, "--raw-mechanism", str(unsigned), signed,
        ],
    }


def time_process(command: list[str], environment: dict[str, str], output: Path | None = None) -> float:
    """Run ``command`` to completion and return its wall seconds; raise on a non-zero exit or an unsigned output."""
    started = time.perf_counter()
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - started

    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {result.returncode}: {result.stderr.strip()[-500:]}")
    if output is not None:
        check_signed(output.read_bytes())
    return seconds


def summarise(samples: list[float]) -> tuple[float, float]:
    """Return the median and max of ``samples`` in milliseconds."""
    return statistics.median(samples) * 1000, max(samples) * 1000


class Results:
    """Timings by row name, printed as one Markdown table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[float]] = {}

    def add(self, name: str, seconds: float) -> None:
        self.rows.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float:
        return statistics.median(self.rows[name])

    def print_table(self) -> None:
        print("| step | runs | median ms | max ms |")
        print("| --- | ---: | ---: | ---: |")
        for name, samples in self.rows.items():
            median_ms, max_ms = summarise(samples)
            print(f"| {name} | {len(samples)} | {median_ms:.1f} | {max_ms:.1f} |")


def measure_ours(results: Results, keys: SealKeys, inputs: ContractInputs, runs: int) -> None:
    """Render and seal ``runs`` contracts with each key source, after one first contract per source."""
    for name, source in (("PKCS#12", keys.pkcs12), ("PKCS#11", keys.pkcs11)):
        sealer = ContractSealer.open(source, "北京")
        try:
            render_seconds, seal_seconds = time_render_and_seal(sealer, inputs)
            results.add(f"first contract of the process, {name}: render + seal", render_seconds + seal_seconds)

            for _ in range(runs):
                render_seconds, seal_seconds = time_render_and_seal(sealer, inputs)
                results.add(f"CounterSign {name}: render", render_seconds)
                results.add(f"CounterSign {name}: seal", seal_seconds)
                results.add(f"CounterSign {name}: render + seal", render_seconds + seal_seconds)
        finally:
            sealer.close()


def measure_pyhanko(results: Results, keys: SealKeys, inputs: ContractInputs, runs: int, pyhanko: Path, folder: Path) -> int:
    """Sign one unsigned contract ``runs`` times with pyHanko's CLI and in process; return its size in bytes."""
    rendered = render(inputs)
    unsigned = folder / "unsigned.pdf"
    unsigned.write_bytes(rendered.pdf)
    page_index, box = rendered.signature_box.page_index, rendered.signature_box.box
    field = f"{page_index + 1}/{','.join(map(str, box))}/{SIGNATURE_FIELD}"
    new_field = fields.SigFieldSpec(SIGNATURE_FIELD, on_page=page_index, box=box)

    environment = {**os.environ, "PYHANKO_PKCS11_PIN": keys.token.pin}
    for _ in range(runs):
        results.add("pyhanko --version (process start and CLI import)", time_process([str(pyhanko), "--version"], environment))
    for name, command in cli_commands(pyhanko, keys, field, unsigned, folder).items():
        for _ in range(runs):
            results.add(f"pyhanko sign addsig {name.lower()} (whole process)", time_process(command, environment, folder / "cli-signed.pdf"))

    for name, source in (("PKCS#12", keys.pkcs12), ("PKCS#11", keys.pkcs11)):
        sealer = ContractSealer.open(source, "北京")
        try:
            check_signed(sign_plain(rendered.pdf, sealer.signer, new_field))

            # Alternate the two, so that load from elsewhere on the machine falls on both alike.
            for _ in range(runs):
                started = time.perf_counter()
                sealer.seal(rendered, inputs.signature_png, reason=REASON)
                results.add(f"CounterSign seal, same unsigned PDF, {name}", time.perf_counter() - started)

                started = time.perf_counter()
                sign_plain(rendered.pdf, sealer.signer, new_field)
                results.add(f"pyHanko sign_pdf in process, {name}", time.perf_counter() - started)
        finally:
            sealer.close()
    return len(rendered.pdf)


def profile_seal(keys: SealKeys, inputs: ContractInputs, runs: int, path: Path) -> None:
    """Seal one rendered contract ``runs`` times with the PKCS#12 key under cProfile; write the statistics to ``path``."""
    rendered = render(inputs)
    sealer = ContractSealer.open(keys.pkcs12, "北京")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        sealer.seal(rendered, inputs.signature_png, reason=REASON)
    profiler.disable()
    profiler.dump_stats(str(path))


def print_ratios(results: Results) -> None:
    """Print the seal and render + seal medians over each pyHanko median, per key source."""
    print("\n| ratio of medians | PKCS#12 | PKCS#11 |")
    print("| --- | ---: | ---: |")
    pairs = [
        ("seal / pyHanko sign_pdf in process, same PDF, alternated", "CounterSign seal, same unsigned PDF, {}", "pyHanko sign_pdf in process, {}"),
        ("seal / pyhanko sign addsig process", "CounterSign {}: seal", "pyhanko sign addsig {} (whole process)"),
        ("render + seal / pyhanko sign addsig process", "CounterSign {}: render + seal", "pyhanko sign addsig {} (whole process)"),
    ]
    for label, ours, theirs in pairs:
        cells = []
        for name in ("PKCS#12", "PKCS#11"):
            theirs_name = theirs.format(name.lower() if "addsig" in theirs else name)
            cells.append(f"{results.median(ours.format(name)) / results.median(theirs_name):.2f}")
        print(f"| {label} | {' | '.join(cells)} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each measurement (default: %(default)s)")
    parser.add_argument(
        "--bench-venv", type=Path, default=REPOSITORY / "build" / "bench-pyhanko-venv",
        help="virtual environment with the pyhanko CLI, created when missing (default: %(default)s)",
    )
    parser.add_argument("--profile", type=Path, help="also profile the PKCS#12 seal and write cProfile statistics here")
    args = parser.parse_args()

    # pyHanko's default text stamp logs a rounding warning on every plain signature at this
    # box ("198.00000000000003 is too wide for container size 198"). The seal's stamp does not.
    logging.getLogger("pyhanko.pdf_utils.layout").setLevel(logging.ERROR)
    pyhanko = ensure_bench_venv(args.bench_venv)
    inputs = contract_inputs()
    results = Results()
    with tempfile.TemporaryDirectory(prefix="countersign-signing-bench-") as name:
        folder = Path(name)
        keys = make_keys(folder)
        try:
            measure_ours(results, keys, inputs, args.runs)
            unsigned_size = measure_pyhanko(results, keys, inputs, args.runs, pyhanko, folder)
            if args.profile:
                profile_seal(keys, inputs, args.runs, args.profile)
        finally:
            reset_library(keys.token.module)

    print(f"Measured {datetime.now():%Y-%m-%d %H:%M} on {describe_machine()}.")
    print(f"Unsigned contract PDF: {unsigned_size / 1024:.0f} KiB. Seal key: ECDSA P-256.\n")
    results.print_table()
    print_ratios(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
