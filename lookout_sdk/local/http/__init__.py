"""How requests reach the local backend: over HTTP (waitress, SigV4) or in-process (WSGI)."""
