"""Settings for the test suite: production settings, served over plain HTTP to the test client
and the live server, with a fast password hash for the many users tests create."""

import os

os.environ.setdefault("KNEAD_HTTPS", "0")

from knead.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
