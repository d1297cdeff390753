"""Diagnostic subcommands for branch IT, one module per topic.

Each module has ``register(commands, common)``, which adds its subcommands to the
``countersign`` parser. ``common`` is the parent parser with ``--home``, ``--faces``,
``--json`` and ``-v``. A handler takes the parsed arguments and returns the exit status:
0 on success, 1 when the check ran and found a problem, 2 on a usage or configuration
error (raise :class:`kiosk.errors.ConfigError` or a device error for that).
"""
