import datetime as dt

import pytest

from policy_engine import params

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def beijing():
    return params.resolve("北京")


@pytest.fixture
def nanchang():
    return params.resolve("南昌")


@pytest.fixture
def national():
    return params.resolve()  # national rules only (no region file)


# Keep hypothesis from writing an example database into the shared checkout.
from hypothesis import settings  # noqa: E402

settings.register_profile("engine", database=None)
settings.load_profile("engine")
