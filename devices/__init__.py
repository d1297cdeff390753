"""Drivers for the branch hardware, each behind a small interface with a simulator.

Nothing here imports the kiosk or Qt: drivers return data and raise the typed errors
of :mod:`devices.errors`, and the kiosk decides what to tell the customer.
"""
