"""Settings for the test suite: production settings, served over plain HTTP to the test client
and the live server, with a fast password hash for the many users tests create.

Production refuses to start without SECRET_KEY: the suite makes one up per run, in the
environment, so the servers and workers it starts as subprocesses share it."""

import os
import secrets

os.environ.setdefault("KNEAD_HTTPS", "0")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from knead.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
