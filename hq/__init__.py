"""Headquarters: the service that branches sync with, and where reference data, checks and archives live."""
