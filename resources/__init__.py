"""Data files shipped with CounterSign: contract templates, demo data and their folder."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
CONTRACTS_DIR = RESOURCES_DIR / "contracts"
DEMO_DIR = RESOURCES_DIR / "demo"
