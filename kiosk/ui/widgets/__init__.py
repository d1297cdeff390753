"""Widgets the kiosk screens are built from: step indicator, checklist and signature canvas."""
