"""Search engines: the embedded one (SQLite) and Elasticsearch, behind one contract."""
