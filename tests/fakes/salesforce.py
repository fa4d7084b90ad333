"""A fake Salesforce on 127.0.0.1 (HTTPS, a throwaway certificate): the subset of the REST API
the salesforce connector uses (SOQL query, sobjects create/get/update/upsert by external id,
knowledgeManagement article versions). State lives in memory for assertions; it can be told to
fail the next requests with a 500, a hang (the client's timeout) or a garbage body."""
import datetime as dt
import ipaddress
import itertools
import re
import threading
import time
from collections import defaultdict

import pytest
from flask import Flask, Response, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

API = "/services/data/v<version>"
PREFIXES = {"Contact": "003", "Case": "500", "Task": "00T", "CaseComment": "00a",
            "Knowledge__kav": "ka0"}


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the test output is for the tests
        pass


def self_signed_certificate(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files in `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = f"{directory}/cert.pem", f"{directory}/key.pem"
    with open(cert_path, "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return cert_path, key_path


def sf_time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeSalesforce:
    """Records by object name; `failures` are consumed one per request, oldest first."""

    SESSION = "fake-session-id"

    def __init__(self):
        self.objects: dict[str, dict[str, dict]] = defaultdict(dict)
        self.requests: list[tuple[str, str]] = []
        self.failures: list[str] = []
        self.hang_seconds = 2.0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.app = self._build_app()
        self.server = self.url = self.cert = None

    # ---- what tests use ------------------------------------------------------------------

    def records(self, obj: str) -> list[dict]:
        return list(self.objects[obj].values())

    def fail(self, mode: str, times: int = 1) -> None:
        """The next `times` requests fail: "500", "timeout" (hang) or "garbage" (not JSON)."""
        self.failures.extend([mode] * times)

    def add(self, obj: str, **fields) -> dict:
        with self._lock:
            return self._create(obj, fields)

    def touch(self, obj: str, record_id: str, **fields) -> None:
        """Change a record as a CRM user would (LastModifiedDate moves on)."""
        with self._lock:
            self._update(self.objects[obj][record_id], fields)

    def start(self, directory) -> "FakeSalesforce":
        self.cert, key = self_signed_certificate(directory)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                  ssl_context=(self.cert, key), request_handler=_Quiet)
        self.url = f"https://127.0.0.1:{self.server.server_port}"
        # shutdown() waits for the serving loop's next poll (0.5 s by default).
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    # ---- records -------------------------------------------------------------------------

    def _new_id(self, obj: str) -> str:
        return f"{PREFIXES.get(obj, 'a00')}{next(self._ids):012d}AAA"

    def _create(self, obj: str, fields: dict) -> dict:
        now = sf_time(dt.datetime.now(dt.UTC))
        record = {"Id": self._new_id(obj), "CreatedDate": now, "LastModifiedDate": now, **fields}
        if obj == "Case":
            record.setdefault("Status", "New")
            record["IsClosed"] = record["Status"] == "Closed"
            record["CaseNumber"] = f"{len(self.objects[obj]) + 1:08d}"
        if obj.endswith("__kav"):
            record.setdefault("PublishStatus", "Draft")
            record.setdefault("VersionNumber", 1)
            record.setdefault("KnowledgeArticleId", f"kA0{next(self._ids):012d}AAA")
        self.objects[obj][record["Id"]] = record
        return record

    def _update(self, record: dict, fields: dict) -> None:
        record.update(fields)
        record["LastModifiedDate"] = sf_time(dt.datetime.now(dt.UTC)
                                             + dt.timedelta(milliseconds=1))
        if "Status" in fields and "IsClosed" in record:
            record["IsClosed"] = record["Status"] == "Closed"

    def _find(self, obj: str, field: str, value: str) -> dict | None:
        return next((r for r in self.objects[obj].values() if str(r.get(field)) == value), None)

    # ---- the HTTP face -------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("fake_salesforce")
        fake = self

        @app.before_request
        def gate():
            fake.requests.append((request.method, request.path))
            if fake.failures:
                mode = fake.failures.pop(0)
                if mode == "timeout":
                    time.sleep(fake.hang_seconds)
                    return Response(status=504)
                if mode == "garbage":
                    return Response("<html>maintenance</html>", 200, content_type="application/json")
                return jsonify([{"errorCode": "SERVER_ERROR", "message": "boom"}]), int(mode)
            if request.headers.get("Authorization") != f"Bearer {fake.SESSION}":
                return jsonify([{"errorCode": "INVALID_SESSION_ID", "message": "bad session"}]), 401
            return None

        @app.get(f"{API}/query/")
        def query(version):
            return jsonify(fake._query(request.args["q"]))

        self._sobject_routes(app)
        self._knowledge_routes(app)
        return app

    def _sobject_routes(self, app: Flask) -> None:
        fake = self

        @app.post(f"{API}/sobjects/<obj>/")
        def create(version, obj):
            with fake._lock:
                record = fake._create(obj, request.get_json())
            return jsonify({"id": record["Id"], "success": True, "errors": []}), 201

        @app.get(f"{API}/sobjects/<obj>/<record_id>")
        def get(version, obj, record_id):
            record = fake.objects[obj].get(record_id)
            return (jsonify(record), 200) if record else _not_found()

        @app.patch(f"{API}/sobjects/<obj>/<record_id>")
        def update(version, obj, record_id):
            with fake._lock:
                record = fake.objects[obj].get(record_id)
                if record is None:
                    return _not_found()
                fake._update(record, request.get_json())
            return Response(status=204)

        @app.get(f"{API}/sobjects/<obj>/<field>/<path:value>")
        def get_by_external_id(version, obj, field, value):
            record = fake._find(obj, field, value)
            return (jsonify(record), 200) if record else _not_found()

        @app.patch(f"{API}/sobjects/<obj>/<field>/<path:value>")
        def upsert(version, obj, field, value):
            body = request.get_json()
            with fake._lock:
                record = fake._find(obj, field, value)
                if record is None:
                    record = fake._create(obj, {**body, field: value})
                    return jsonify({"id": record["Id"], "success": True, "errors": [],
                                    "created": True}), 201
                fake._update(record, body)
            return jsonify({"id": record["Id"], "success": True, "errors": [],
                            "created": False}), 200

    def _knowledge_routes(self, app: Flask) -> None:
        fake = self

        @app.post(f"{API}/knowledgeManagement/articleVersions/masterVersions")
        def edit_online(version):
            article_id = request.get_json()["articleId"]
            with fake._lock:
                online = next(r for r in fake.objects["Knowledge__kav"].values()
                              if r["KnowledgeArticleId"] == article_id
                              and r["PublishStatus"] == "Online")
                copy = {k: v for k, v in online.items()
                        if k not in ("Id", "CreatedDate", "LastModifiedDate")}
                draft = fake._create("Knowledge__kav", {
                    **copy, "PublishStatus": "Draft", "VersionNumber": online["VersionNumber"] + 1})
            return jsonify({"id": draft["Id"], "url": f"/knowledge/{draft['Id']}"}), 201

        @app.patch(f"{API}/knowledgeManagement/articleVersions/masterVersions/<version_id>")
        def publish(version, version_id):
            status = request.get_json()["publishStatus"]
            with fake._lock:
                record = fake.objects["Knowledge__kav"][version_id]
                if status == "Online":
                    for other in fake.objects["Knowledge__kav"].values():
                        if other["KnowledgeArticleId"] == record["KnowledgeArticleId"] \
                                and other["PublishStatus"] == "Online":
                            fake._update(other, {"PublishStatus": "Archived"})
                fake._update(record, {"PublishStatus": status})
            return Response(status=204)

    def _query(self, soql: str) -> dict:
        parsed = parse_soql(soql)
        rows = [r for r in self.objects[parsed["object"]].values()
                if all(_matches(r, cond) for cond in parsed["where"])]
        if parsed["order"]:
            rows.sort(key=lambda r: str(r.get(parsed["order"]) or ""))
        rows = rows[:parsed["limit"]] if parsed["limit"] else rows
        records = [{"attributes": {"type": parsed["object"]},
                    **{f: r.get(f) for f in parsed["fields"]}} for r in rows]
        return {"totalSize": len(records), "done": True, "records": records}


def _not_found():
    return jsonify([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]), 404


_SOQL = re.compile(r"SELECT (?P<fields>.+?) FROM (?P<object>\w+)(?: WHERE (?P<where>.+?))?"
                   r"(?: ORDER BY (?P<order>\w+)(?: ASC| DESC)?)?(?: LIMIT (?P<limit>\d+))?$",
                   re.S)
_COND = re.compile(r"(?P<field>\w+) (?P<op>=|!=|>|IN) (?P<value>'(?:\\.|[^'])*'|null|[\w:.+-]+|"
                   r"\((?:'(?:\\.|[^'])*'(?:, )?)+\))")


def parse_soql(soql: str) -> dict:
    """The SOQL the connector writes: fields, one object, ANDed conditions, ORDER BY, LIMIT."""
    match = _SOQL.match(soql.strip())
    if match is None:
        raise ValueError(f"unsupported SOQL: {soql}")
    where = []
    for part in re.split(r" AND ", match["where"] or "") if match["where"] else []:
        cond = _COND.fullmatch(part.strip())
        if cond is None:
            raise ValueError(f"unsupported condition: {part}")
        where.append((cond["field"], cond["op"], _value(cond["value"])))
    return {"fields": [f.strip() for f in match["fields"].split(",")], "object": match["object"],
            "where": where, "order": match["order"],
            "limit": int(match["limit"]) if match["limit"] else None}


def _value(raw: str):
    if raw == "null":
        return None
    if raw.startswith("("):
        return [_value(v) for v in re.findall(r"'(?:\\.|[^'])*'", raw)]
    if raw.startswith("'"):
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _matches(record: dict, cond) -> bool:
    field, op, value = cond
    have = record.get(field)
    if op == "IN":
        return have in value
    if op == "!=":
        return have != value
    if op == ">":
        return have is not None and dt.datetime.strptime(have, "%Y-%m-%dT%H:%M:%S.%f%z") > value
    return str(have) == value if value is not None else have is None


@pytest.fixture(scope="module")
def salesforce_server(tmp_path_factory):
    """One fake Salesforce per test module (import this fixture where it is used)."""
    fake = FakeSalesforce().start(tmp_path_factory.mktemp("salesforce"))
    yield fake
    fake.stop()


def reset(fake: FakeSalesforce) -> FakeSalesforce:
    """Forget every record, request and planned failure (between tests)."""
    fake.objects.clear()
    fake.requests.clear()
    fake.failures.clear()
    return fake
