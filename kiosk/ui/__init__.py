"""The Qt kiosk front end: screens that drive a RentalSession from a worker thread.

Nothing outside the entry point (``countersign kiosk``) and the tests imports this package.
"""
