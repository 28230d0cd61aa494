"""Outgoing messages: the e-mail adapter (``notifications.mailer``). Neutral: no Flask, no web;
used by the console's invitations and the hand-over's notifications, from the app or the CLI."""
