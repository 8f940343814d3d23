"""A small local stand-in of the Hugging Face Hub for integration tests.

It serves, on 127.0.0.1 and a free port, only what the real `huggingface_hub` client
(2.4) calls for `pricer upload` and `pricer fetch`:

  GET  /api/datasets/{repo}[/revision/{rev}]       repo info (visibility check, empty-commit path)
  POST /api/repos/create                           create a repo (409 if it exists)
  POST /api/validate-yaml                          create_commit validates README.md metadata first
  POST /api/datasets/{repo}/preupload/{rev}        every file answered "regular": no LFS/Xet upload
  POST /api/datasets/{repo}/commit/{rev}           NDJSON, base64 contents: stored as one commit
  HEAD/GET /datasets/{repo}/resolve/{rev}/{path}   downloads, with ETag, X-Repo-Commit,
                                                   Content-Length and byte ranges

Anything else is answered 404 and recorded. Every request is recorded (method, path, headers,
body) so tests can check what was sent, and faults can be injected per route. The server stops
when the test's fixture ends, and by itself after `max_lifetime` seconds in any case.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

REPO = r"(?P<repo>[^/]+/[^/]+)"
ROUTES: list[tuple[str, str, re.Pattern[str]]] = [
    ("POST", "create_repo", re.compile(r"/api/repos/create")),
    ("POST", "validate_yaml", re.compile(r"/api/validate-yaml")),
    ("POST", "preupload", re.compile(rf"/api/datasets/{REPO}/preupload/(?P<rev>[^/]+)")),
    ("POST", "commit", re.compile(rf"/api/datasets/{REPO}/commit/(?P<rev>[^/]+)")),
    ("GET", "repo_info", re.compile(rf"/api/datasets/{REPO}(?:/revision/(?P<rev>[^/]+))?")),
    ("GET", "resolve", re.compile(rf"/datasets/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)")),
    ("HEAD", "resolve", re.compile(rf"/datasets/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)")),
]


def git_blob_sha1(content: bytes) -> str:
    """The git object id of a file, which the Hub uses as ETag and oid of regular files."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Recorded:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-case names
    body: bytes
    route: str
    status: int = 0


@dataclass
class Commit:
    oid: str
    summary: str
    description: str
    paths: list[str]


@dataclass
class Repo:
    repo_id: str
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)

    @property
    def sha(self) -> str:
        return self.commits[-1].oid if self.commits else "0" * 40


@dataclass
class Fault:
    status: int
    times: int | None  # None: every time
    echo_auth: bool  # put the request's Authorization header in the error body (a leaky server)
    html: bool  # answer an HTML page, as a proxy in front of the Hub would


class HubStandIn:
    """The stand-in: `with HubStandIn(token=...) as hub: ... hub.url ...`."""

    def __init__(self, *, token: str | None = None, max_lifetime: float = 120.0) -> None:
        self.token = token  # when set, writes need "Authorization: Bearer <token>"
        self.max_lifetime = max_lifetime
        self.repos: dict[str, Repo] = {}
        self.requests: list[Recorded] = []
        self.faults: dict[str, Fault] = {}
        self.cut_downloads: list[int] = []  # next GET bodies are cut after this many bytes
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "stand-in not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubStandIn:
        handler = type("Handler", (_Handler,), {"hub": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._timer is not None:
            self._timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> HubStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers ------------------------------------------------------------------------
    def fail(
        self,
        route: str,
        status: int,
        *,
        times: int | None = None,
        echo_auth: bool = False,
        html: bool = False,
    ) -> None:
        """Answer `status` on `route` (a name from ROUTES), `times` times or always."""
        self.faults[route] = Fault(status, times, echo_auth, html)

    def add_dataset(self, repo_id: str, files: dict[str, bytes], *, private: bool = False) -> Repo:
        repo = self.repos.setdefault(repo_id, Repo(repo_id, private))
        repo.files.update(files)
        repo.commits.append(Commit(self._new_oid(), "seed", "", sorted(files)))
        return repo

    def routes(self) -> list[str]:
        return [r.route for r in self.requests]

    def _new_oid(self) -> str:
        return hashlib.sha1(
            f"commit-{sum(len(r.commits) for r in self.repos.values())}-{id(self)}".encode()
        ).hexdigest()


def _error(status: int, message: str, code: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", "X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return status, headers, json.dumps({"error": message}).encode()


def _json(payload: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandIn
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections end by themselves

    def log_message(self, format: str, *args: Any) -> None:  # the hub records requests itself
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    # -- plumbing ----------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        hub = self.hub
        path = unquote(urlsplit(self.path).path)
        name, match = "unknown", None
        for method, route, pattern in ROUTES:
            if method == self.command and (m := pattern.fullmatch(path)):
                name, match = route, m
                break
        record = Recorded(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            self._read_body(),
            name,
        )
        with hub._lock:
            hub.requests.append(record)
            fault = hub.faults.get(name)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del hub.faults[name]
        if fault is not None:
            message = f"stand-in refuses {name}"
            if fault.echo_auth:
                message += f" (you sent: {record.headers.get('authorization')})"
            status, headers, body = _error(fault.status, message)
            if fault.html:
                headers = {"Content-Type": "text/html"}
                body = f"<html><body><h1>{fault.status}</h1>{message}</body></html>".encode()
        elif match is None:
            status, headers, body = _error(404, f"no route for {self.command} {path}")
        else:
            with hub._lock:
                status, headers, body = getattr(self, f"_{name}")(record, match)
        record.status = status
        self._send(status, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        cut = None
        if self.command == "GET" and status in (200, 206) and self.hub.cut_downloads:
            cut = self.hub.cut_downloads.pop(0)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut is not None:  # announce the whole body, send part of it, drop the connection
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def _authorized(self, record: Recorded) -> bool:
        return (
            self.hub.token is None
            or record.headers.get("authorization") == f"Bearer {self.hub.token}"
        )

    # -- routes --------------------------------------------------------------------------------
    def _create_repo(self, record: Recorded, _: re.Match[str]) -> tuple[int, dict[str, str], bytes]:
        if not self._authorized(record):
            return _error(401, "Invalid credentials in Authorization header")
        payload = json.loads(record.body)
        repo_id = f"{payload['organization']}/{payload['name']}"
        if payload.get("type") != "dataset":
            return _error(400, "the stand-in only hosts dataset repos")
        if repo_id in self.hub.repos:
            return _error(409, "You already created this dataset repo")
        self.hub.repos[repo_id] = Repo(repo_id, payload.get("visibility") == "private")
        return _json({"url": f"{self.hub.url}/datasets/{repo_id}", "name": repo_id})

    def _repo_info(self, record: Recorded, m: re.Match[str]) -> tuple[int, dict[str, str], bytes]:
        repo = self.hub.repos.get(m["repo"])
        if repo is None or (repo.private and not self._authorized(record)):
            return _error(404, "Repository not found", "RepoNotFound")
        return _json({"id": repo.repo_id, "private": repo.private, "sha": repo.sha})

    def _validate_yaml(
        self, record: Recorded, _: re.Match[str]
    ) -> tuple[int, dict[str, str], bytes]:
        content = json.loads(record.body)["content"]
        parts = content.split("---\n", 2) if content.startswith("---\n") else []
        try:
            metadata = yaml.safe_load(parts[1]) if len(parts) == 3 else None
        except yaml.YAMLError as err:
            return _json({"errors": [{"message": f"invalid YAML: {err}"}]}, 400)
        if not isinstance(metadata, dict):
            return _json({"errors": [{"message": "README.md has no YAML metadata block"}]}, 400)
        return _json({"errors": [], "warnings": []})

    def _preupload(self, record: Recorded, m: re.Match[str]) -> tuple[int, dict[str, str], bytes]:
        repo = self.hub.repos.get(m["repo"])
        if repo is None or not self._authorized(record):
            return _error(404, "Repository not found", "RepoNotFound")
        files = []
        for f in json.loads(record.body)["files"]:
            old = repo.files.get(f["path"])
            oid = git_blob_sha1(old) if old is not None else None
            files.append(
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": oid}
            )
        return _json({"files": files, "commitOid": repo.sha})

    def _commit(self, record: Recorded, m: re.Match[str]) -> tuple[int, dict[str, str], bytes]:
        repo = self.hub.repos.get(m["repo"])
        if repo is None or not self._authorized(record):
            return _error(404, "Repository not found", "RepoNotFound")
        lines = [json.loads(line) for line in record.body.splitlines() if line.strip()]
        header, ops = lines[0], lines[1:]
        if header.get("key") != "header":
            return _error(400, "first NDJSON line must be the header")
        files: dict[str, bytes] = {}
        for op in ops:
            if op["key"] != "file" or op["value"].get("encoding") != "base64":
                return _error(400, f"the stand-in takes only base64 regular files, got {op['key']}")
            files[op["value"]["path"]] = base64.b64decode(op["value"]["content"])
        repo.files.update(files)  # all or nothing: one request, one commit
        oid = self.hub._new_oid()
        value = header["value"]
        repo.commits.append(
            Commit(oid, value["summary"], value.get("description", ""), sorted(files))
        )
        url = f"{self.hub.url}/datasets/{repo.repo_id}/commit/{oid}"
        return _json({"commitUrl": url, "commitOid": oid, "success": True})

    def _resolve(self, record: Recorded, m: re.Match[str]) -> tuple[int, dict[str, str], bytes]:
        repo = self.hub.repos.get(m["repo"])
        if repo is None or (repo.private and not self._authorized(record)):
            return _error(404, "Repository not found", "RepoNotFound")
        content = repo.files.get(m["path"])
        if content is None:
            return _error(404, "Entry not found", "EntryNotFound")
        headers = {
            "ETag": f'"{git_blob_sha1(content)}"',
            "X-Repo-Commit": repo.sha,
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", record.headers.get("range", ""))
        if ranged is None:
            return 200, headers, content
        start = int(ranged[1])
        end = int(ranged[2]) if ranged[2] else len(content) - 1
        if start >= len(content):
            return 416, {"Content-Range": f"bytes */{len(content)}"}, b""
        headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
        return 206, headers, content[start : end + 1]


def point_client_at(monkeypatch: Any, endpoint: str, home: Any, token: str | None) -> None:
    """Aim the real `huggingface_hub` client at `endpoint`, isolated from the machine's login.

    The client reads most settings once, at import time, into `huggingface_hub.constants`, so
    setting the environment is not enough: the constants are patched too. The import-time
    ENDPOINT is aimed at a closed port, so anything that ignored HF_ENDPOINT fails loudly
    instead of reaching the real Hub.
    """
    from huggingface_hub import close_session, constants

    home.mkdir(parents=True, exist_ok=True)
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    if token is not None:
        monkeypatch.setenv("HF_TOKEN", token)
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens there
    patched = {
        # Both: hf_hub_url() builds from the template, then swaps the endpoint= argument in only
        # if the URL starts with ENDPOINT.
        "ENDPOINT": dead,
        "HUGGINGFACE_CO_URL_TEMPLATE": dead + "/{repo_id}/resolve/{revision}/{filename}",
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_XET_CACHE": str(home / "xet"),
        "HF_TOKEN_PATH": str(home / "token"),
        "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
        "AGENT_HARNESSES_PATH": str(home / "agent_harnesses.json"),
        "HF_HUB_OFFLINE": False,
        "HF_HUB_DISABLE_XET": True,
        "HF_HUB_DISABLE_TELEMETRY": True,  # else the user-agent probes ENDPOINT/api/agent-harnesses
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": False,
    }
    for name, value in patched.items():
        monkeypatch.setattr(constants, name, value)
    close_session()  # no pooled connection survives from another test's stand-in
