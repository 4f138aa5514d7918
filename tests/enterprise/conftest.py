"""Fixtures of the enterprise tests: the helpers module on the path."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # ent_builders
