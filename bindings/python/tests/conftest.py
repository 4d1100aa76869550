import numpy as np
import pytest

import tensorgraph as tg


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test builds into a new default graph."""
    tg.reset_default_graph()
    tg.logging.set_verbosity(tg.logging.WARN)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
