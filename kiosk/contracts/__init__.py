"""Contracts: templates, drafting, the contract check, the PDF and its PAdES seal."""
