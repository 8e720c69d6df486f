import sys
from pathlib import Path

# Tests run with --import-mode=importlib; make this folder's helper module importable.
sys.path.insert(0, str(Path(__file__).parent))
