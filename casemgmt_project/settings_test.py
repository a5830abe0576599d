"""Test settings: the local services, with a database and topics private to this test run.

Each pytest process gets a run id, so parallel or repeated runs never read each other's data.
MONGODB_URI comes from the environment or from .env, where scripts/services.sh writes the local
server's address with its generated password.
"""

import os
import uuid

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")

TEST_RUN_ID = os.environ.setdefault("CASEMGMT_TEST_RUN_ID", uuid.uuid4().hex[:10])
os.environ["DB_NAME"] = f"casemgmt_{TEST_RUN_ID}"
os.environ["KAFKA_TOPIC_NAME"] = f"kyc_events.{TEST_RUN_ID}"
os.environ["NOTIFICATION_KAFKA_TOPIC"] = f"notification_events.{TEST_RUN_ID}"
os.environ["KAFKA_CONSUMER_GROUP_ID"] = f"casemgmt-test-{TEST_RUN_ID}"

from casemgmt_project.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
STATIC_ROOT = None  # nothing is collected in tests; keeps WhiteNoise from warning
# The test client and live servers speak plain HTTP.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = False
# One process runs every test from 127.0.0.1: the per-address limit must not add them up.
LOGIN_FAILURE_LIMIT_PER_ADDRESS = 10_000
