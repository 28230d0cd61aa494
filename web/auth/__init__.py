"""Who is using the UI: sessions (Flask-Login), local login, ProConnect, login-required pages."""
