"""Notifications: subscriptions to athletes, events or competitions, an outbox, delivery."""
