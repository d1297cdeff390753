"""A complete set of contract sources, built from the demo data without a store."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from countersign.demo_branch import demo_data
from kiosk.contracts.drafting import ContractSources
from kiosk.contracts.pricing import PriceList, make_quote
from kiosk.contracts.template import load_template
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.licence import DrivingLicence
from kiosk.rental import Branch, Reservation, Vehicle
from resources import CONTRACTS_DIR

ZONE = ZoneInfo("Asia/Shanghai")
PICKUP = datetime(2026, 12, 5, 10, 0, tzinfo=ZONE)
RETURN = datetime(2026, 12, 8, 10, 30, tzinfo=ZONE)


def template():
    return load_template(CONTRACTS_DIR, "rental-agreement", "1")


def price_list() -> PriceList:
    return PriceList.from_json(demo_data()["price_list"])


def sources(return_at: datetime = RETURN) -> ContractSources:
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
        quote=make_quote(price_list(), vehicle.price_group, PICKUP, return_at),
    )
