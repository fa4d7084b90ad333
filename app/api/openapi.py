"""The OpenAPI 3.1 document for API v1, served at /api/v1/openapi.json."""
from flask import jsonify

from app.api import bp

DOCUMENT = {"openapi": "3.1.0", "info": {"title": "Commonplace API", "version": "1"}, "paths": {}}


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
