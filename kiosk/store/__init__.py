"""The branch's encrypted store (SQLCipher 4): reference data, customers, verifications, contracts, outbox."""
