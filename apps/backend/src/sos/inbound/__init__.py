"""Webhooks the delivery providers call: delivery receipts, SMS replies and voice keypresses."""
