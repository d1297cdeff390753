"""A complete set of contract sources, built from the demo data without a store, and an approved template.

The template is approved the way a demo branch approves it: a fresh HQ template key
signs a copy of every shipped version in a temporary folder, once per test run.
"""

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from countersign.demo_branch import demo_data
from countersign.demo_templates import DemoTemplates, provision_demo_templates
from kiosk.contracts.approval import load_approved_template
from kiosk.contracts.drafting import ContractSources
from kiosk.contracts.pricing import PriceList, make_quote
from kiosk.contracts.template import ContractTemplate
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.licence import DrivingLicence
from kiosk.rental import Branch, Reservation, Vehicle
from resources import CONTRACTS_DIR

ZONE = ZoneInfo("Asia/Shanghai")
PICKUP = datetime(2026, 12, 5, 10, 0, tzinfo=ZONE)
RETURN = datetime(2026, 12, 8, 10, 30, tzinfo=ZONE)
TEMPLATE_ID = "rental-agreement"
TEMPLATE_VERSION = "1"

__all__ = ["CONTRACTS_DIR", "approved_templates", "price_list", "sources", "template"]


@dataclass(frozen=True)
class ApprovedTemplates:
    """A folder of approved templates and the HQ key pair that approved them."""

    home: Path
    demo: DemoTemplates


@functools.cache
def approved_templates() -> ApprovedTemplates:
    home = Path(tempfile.mkdtemp(prefix="countersign-templates-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return ApprovedTemplates(home, provision_demo_templates(home, datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)))


def template() -> ContractTemplate:
    """Return the shipped rental agreement as the kiosk loads it: approved, hash and signature checked."""
    demo = approved_templates().demo
    return load_approved_template(demo.templates_dir, TEMPLATE_ID, TEMPLATE_VERSION, demo.hq_public_key)


def price_list() -> PriceList:
    return PriceList.from_json(demo_data()["price_list"])


def sources(return_at: datetime = RETURN, price_list_override: PriceList | None = None) -> ContractSources:
    data = demo_data()
    vehicle = Vehicle(**data["vehicles"][0])
    licence = DrivingLicence("110105196108040013", "王建国", "C1", date(2001, 3, 15), date(2019, 3, 15), date(2029, 3, 15))
    identity = Identity(
        document_type=DocumentType.RESIDENT_ID_CARD,
        name="王建国",
        sex="M",
        birth_date=date(1961, 8, 4),
        number="110105196108040013",
        valid_from=date(2016, 5, 20),
        valid_to=None,
        ethnicity="01",
        address="北京市朝阳区建国路 88 号院 3 号楼 1201 室",
        issuing_authority="北京市公安局朝阳分局",
    )
    reservation = Reservation("R1", "王建国", identity.number, "13800000000", vehicle, PICKUP, return_at, licence, "2026-12")
    return ContractSources(
        contract_number="BJ-CY01-20261205-0001",
        branch=Branch(**data["branch"]),
        identity=identity,
        licence=licence,
        reservation=reservation,
        quote=make_quote(price_list_override or price_list(), vehicle.price_group, PICKUP, return_at),
    )
