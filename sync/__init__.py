"""The protocol between branch and headquarters: for now, the outbox of branch events."""
