"""The WSGI entry point: `app = create_app()`; nothing else."""
from app.factory import create_app

app = create_app()
