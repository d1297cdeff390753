"""The entry point: command line, branch configuration and the wiring of devices, store and session."""

__version__ = "0.1.0"
