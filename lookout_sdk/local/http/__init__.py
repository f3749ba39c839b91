"""How requests reach the local backend: over HTTP(S) (uvicorn, SigV4) or in-process (WSGI)."""
