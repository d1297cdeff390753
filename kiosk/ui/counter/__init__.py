"""The counter terminal: the clerk's window, which drives the same rental session as the kiosk."""
