"""Running Knead as a service: the production server, ``/healthz``, request size limits,
path-only request logs, owner-only SQLite files and the shared cache's table."""
