"""Test helpers for signing: a local certificate authority, its TSA, OCSP and CRL servers, and SoftHSM2 tokens."""
