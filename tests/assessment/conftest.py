"""The ``config`` fixture of the assessment tests."""
import pytest

from yuqing.config import load_config


@pytest.fixture
def config(tmp_path):
    """Defaults, with the lexical case search (the hybrid one loads an embedding model; the case
    library's own tests cover it) and the store file in ``tmp_path``."""
    return load_config(None, ["cases.search_mode=lexical", f"store.path={tmp_path / 'cfg.sqlite'}"])
