"""Notifications: an outbox of e-mails in the recipient's language, sent by a job."""
