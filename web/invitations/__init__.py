"""Invitations: the e-mail (or the link to pass on) that lets an invited member choose a
password, and the page where they do it."""
