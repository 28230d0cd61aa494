"""The hand-over pages under ``/accompagnements/`` (issue 10)."""
