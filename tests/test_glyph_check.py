"""The contract check stops a contract whose characters the contract fonts cannot print.

A name with a character outside every embedded font must reach a clerk before the
customer reads, ticks and signs, not only when the PDF is rendered.
"""

import json
from dataclasses import replace

import pytest

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad
from kiosk.checks import Outcome
from kiosk.contracts.check import check_contract
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.fonts import contract_fonts
from kiosk.session import Stage
from tests import contract_fixtures as fx

# U+31350 is in CJK Extension G, which neither WenQuanYi Micro Hei nor HanaMin A/B covers.
UNPRINTABLE = "\U00031350"
UNPRINTABLE_CODE = "U+31350"
# U+20BB7 is in Extension B, which the HanaMinB fallback covers.
EXTENSION_B = "\U00020bb7"


def _renamed_sources(name: str):
    """Return the fixture sources with ``name`` on the ID card, the licence and the reservation."""
    sources = fx.sources()
    licence = replace(sources.licence, name=name)
    return replace(
        sources,
        identity=replace(sources.identity, name=name),
        licence=licence,
        reservation=replace(sources.reservation, customer_name=name, licence=licence),
    )


@pytest.fixture
def start_runtime(branch_home, face_model):
    """Start a BranchRuntime on the test's branch copy and stop it at teardown."""
    runtimes = []

    def start() -> BranchRuntime:
        runtime = BranchRuntime(load_config(branch_home), face_model=face_model).start()
        runtimes.append(runtime)
        return runtime

    yield start
    for runtime in runtimes:
        runtime.stop()


def _rename_demo_card(branch_home, name: str) -> None:
    card_file = branch_home / "cards" / "demo-customer.json"
    card = json.loads(card_file.read_text(encoding="utf-8"))
    card["fields"]["name"] = name
    card_file.write_text(json.dumps(card, ensure_ascii=False), encoding="utf-8")


def _book_for(runtime: BranchRuntime, name: str) -> None:
    """Book the demo car for the demo customer under ``name``, as HQ would after a name change."""
    store = runtime.services.store
    reservation = seed_demo_reservation(store, runtime.clock())
    licence = replace(reservation.licence, name=name)
    renamed = replace(reservation, reservation_no=f"{reservation.reservation_no}N", customer_name=name, licence=licence)
    store.supersede_open_reservations(reservation.document_number)
    store.put_reservation(renamed)


def _walk_to_contract(session) -> None:
    steps = [session.start, lambda: session.give_consent(True, True), session.read_document, session.check_licence,
             session.capture_face, session.verify]
    for step in steps:
        record = step()
        assert record.outcome is Outcome.PASS, record


def test_fonts_lack_test_character():
    fonts = contract_fonts()
    assert fonts.font_for(UNPRINTABLE) is None, f"a contract font has {UNPRINTABLE_CODE}; pick another test character"
    assert fonts.font_for(EXTENSION_B) is not None


def test_check_names_unprintable_name():
    sources = _renamed_sources(f"王{UNPRINTABLE}")
    draft = draft_contract(fx.template(), sources)

    result = check_contract(draft, fx.template(), sources, fx.price_list())

    assert not result.passed
    assert [problem.field for problem in result.problems] == ["lessee_name"]
    (problem,) = result.problems
    assert problem.found == UNPRINTABLE_CODE
    assert UNPRINTABLE not in result.describe_for_log()
    assert result.glyphs_missing is not None
    assert result.glyphs_missing.characters == (UNPRINTABLE,)
    assert result.glyphs_missing.places == {UNPRINTABLE: ("field lessee_name",)}

    check = result.to_check()
    assert check.outcome is Outcome.REVIEW
    assert UNPRINTABLE in check.reason.zh
    assert UNPRINTABLE_CODE in check.reason.zh
    assert UNPRINTABLE_CODE in check.reason.en


def test_check_passes_fallback_characters():
    sources = _renamed_sources(f"王{EXTENSION_B}")
    draft = draft_contract(fx.template(), sources)

    result = check_contract(draft, fx.template(), sources, fx.price_list())

    assert result.problems == ()
    assert result.glyphs_missing is None


def test_check_names_unprintable_clause():
    sources = fx.sources()
    draft = draft_contract(fx.template(), sources)
    first = draft.clauses[0]
    altered = replace(first, text=replace(first.text, zh=first.text.zh + UNPRINTABLE))
    draft = replace(draft, clauses=(altered, *draft.clauses[1:]))

    result = check_contract(draft, fx.template(), sources, fx.price_list())

    assert result.glyphs_missing is not None
    assert result.glyphs_missing.places == {UNPRINTABLE: (f"clause {first.clause_id}",)}
    assert UNPRINTABLE_CODE in result.to_check().reason.en


def test_session_stops_before_contract_is_shown(start_runtime, branch_home):
    name = f"王{UNPRINTABLE}"
    _rename_demo_card(branch_home, name)
    runtime = start_runtime()
    _book_for(runtime, name)
    session = runtime.new_session()
    _walk_to_contract(session)
    assert session.identity.name == name

    record = session.prepare_contract()

    assert session.stage is Stage.CLERK_REVIEW
    assert record.stage is Stage.CONTRACT
    assert record.outcome is Outcome.REVIEW
    assert UNPRINTABLE in record.reason.zh
    assert UNPRINTABLE_CODE in record.reason.zh
    assert UNPRINTABLE_CODE in record.reason.en
    assert Stage.SIGN not in [r.stage for r in session.records]
    assert session.acknowledgements == []
    contract_check = next(check for check in session.checks if check.name == "contract_check")
    assert contract_check.outcome is Outcome.REVIEW
    assert runtime.services.store.contract(session.draft.contract_number) is None


def test_recheck_before_signing_names_character(start_runtime):
    runtime = start_runtime()
    seed_demo_reservation(runtime.services.store, runtime.clock())
    session = runtime.new_session()
    _walk_to_contract(session)
    assert session.prepare_contract().outcome is Outcome.PASS
    assert session.acknowledge(session.clauses_to_acknowledge).outcome is Outcome.PASS
    session.draft = replace(session.draft, values={**session.draft.values, "lessee_address": f"北京{UNPRINTABLE}"})

    record = session.sign(SimulatedSignaturePad().capture())

    assert session.stage is Stage.CLERK_REVIEW
    assert record.stage is Stage.SIGN
    assert UNPRINTABLE_CODE in record.reason.zh
    assert UNPRINTABLE_CODE in record.reason.en
    assert session.signed is None
    assert runtime.services.store.contract(session.draft.contract_number) is None
