"""The test package. Imported before conftest.py and every test module, so it sets one thing:
compiled modules are kept in __pycache__ even where PYTHONDONTWRITEBYTECODE is set (as on our
machines). Otherwise every test process compiles the project again and pytest rewrites the
asserts of every test module again: 10-14 s of a two-worker run's start."""
import sys

sys.dont_write_bytecode = False
