"""The Socket.IO process when scaled out: `app = create_app()`, served by its own gunicorn (see
README "Live updates"); a proxy sends /socket.io/ here and every other path to wsgi.py's workers."""
from app.factory import create_app

app = create_app()
