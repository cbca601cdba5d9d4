"""Settings for the test suite: the real settings with a fast Argon2id profile and a
throwaway AEGIS_HOME. The SQLite test database is a file (WAL cannot live in memory), so the
seizure test can read it as bytes."""

import os
import tempfile

_home = os.environ.setdefault("AEGIS_HOME", tempfile.mkdtemp(prefix="aegis-test-"))
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    # xdist workers inherit the controller's environment: give each its own secrets and
    # media, as each already has its own database.
    os.environ["AEGIS_HOME"] = os.path.join(_home, _worker)
os.environ.setdefault("AEGIS_KDF_PROFILE", "test")
# The alert service's unlock secret, as systemd would give it; worker subprocesses inherit it.
os.environ.setdefault("AEGIS_ALERT_SERVICE_UNLOCK", "test unlock secret, never on disk")

from aegis.settings import *  # noqa: E402, F403
from aegis.settings import AEGIS_HOME, DATABASES, INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.vaultapp"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(AEGIS_HOME / "test.sqlite3")}

# Made from the models, then finished as the migrations would (tests/schema.py).
DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False

TIME_ZONE = "UTC"  # whatever AEGIS_TIME_ZONE the machine has
PASSWORD_HASHERS = ["aegis.accounts.hashers.FastArgon2PasswordHasher"]
AEGIS_LOGIN_FAILURE_LIMIT = 5
# The tests serve feeds and pages on loopback; a real worker refuses private addresses.
AEGIS_MONITORING_ALLOW_PRIVATE_ADDRESSES = True
# The extraction (the worker's, a paste's) in the process itself, where the tests' stand-in
# for the extractor (tests/monitoring/conftest.py) takes its place;
# tests/monitoring/test_extraction_process.py runs the real child process.
AEGIS_MONITORING_EXTRACT_IN_CHILD = False
