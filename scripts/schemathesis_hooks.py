"""Schemathesis hooks for scripts/schemathesis: how each call signs in.

Every operation carries the signed-in account's bearer token (QUETMA_ST_TOKEN), except
`DELETE /api/v1/session`, which revokes the token it is called with: each of those calls gets
a token of its own, from a pool minted before the run (sign-ins during the run would meet the
login throttle, which schemathesis's wrong passwords for POST /api/v1/session set off); and
`POST /api/v1/sms/inbound`, the SMS gateway's webhook, which takes the deployment's inbound
token (QUETMA_ST_SMS_TOKEN).
"""

import json
import os
import urllib.error
import urllib.request

import schemathesis

BASE = os.environ["QUETMA_ST_BASE"]
USER = os.environ["QUETMA_ST_USER"]
PASSWORD = os.environ["QUETMA_ST_PASSWORD"]
TOKEN = os.environ["QUETMA_ST_TOKEN"]
POOL_SIZE = int(os.environ.get("QUETMA_ST_POOL", "40"))


def _login():
    req = urllib.request.Request(
        f"{BASE}/api/v1/session",
        data=json.dumps({"username": USER, "password": PASSWORD}).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.load(r)["token"]
    except urllib.error.HTTPError:
        return None


_POOL = [t for t in (_login() for _ in range(POOL_SIZE)) if t]


def _bearer(case, token):
    headers = dict(case.headers or {})
    headers["Authorization"] = f"Bearer {token}"
    case.headers = headers


@schemathesis.auth(refresh_interval=None).apply_to(method="DELETE", path="/api/v1/session")
class OwnSession:
    """A token of its own for each sign-out (once the pool is spent: a revoked one, 401)."""

    def get(self, case, context):
        return _POOL.pop() if _POOL else _login() or "revoked"

    def set(self, case, data, context):
        _bearer(case, data)


SMS_TOKEN = os.environ.get("QUETMA_ST_SMS_TOKEN", "")


@schemathesis.auth(refresh_interval=None).apply_to(method="POST", path="/api/v1/sms/inbound")
class SmsGateway:
    """The SMS gateway's webhook takes the deployment's inbound token, not a session."""

    def get(self, case, context):
        return SMS_TOKEN

    def set(self, case, data, context):
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).skip_for(method="DELETE", path="/api/v1/session").skip_for(
    method="POST", path="/api/v1/sms/inbound"
)
class SharedSession:
    """The run's token for every other call."""

    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        _bearer(case, data)


# Rules across fields, which JSON Schema cannot state (the document says them in words): a
# time window ends no earlier than it starts and lasts at most MAX_STAY_MS
# (server/src/service/uploads.rs). The generator is taught them by dropping positive cases that
# break them; negative cases are kept (the server refuses them either way).
MAX_STAY_MS = 31 * 86_400_000


def _window_ok(start, end):
    if not isinstance(start, (int, float)) or not isinstance(end, (int, float)):
        return True  # a type error is the schema's business
    return start <= end and end - start <= MAX_STAY_MS


def _positive(case):
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return mode is None or str(getattr(mode, "value", mode)) == "positive"


@schemathesis.hook("filter_case").apply_to(method="POST", path="/api/v1/notices")
def notice_window(context, case):
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return True
    return _window_ok(body.get("start"), body.get("end"))


@schemathesis.hook("filter_case").apply_to(method="POST", path="/api/v1/cases")
def case_windows(context, case):
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return True
    windows = body.get("windows") or []
    visits = body.get("visits") or []
    ok = all(_window_ok(w.get("start"), w.get("end")) for w in windows if isinstance(w, dict))
    for v in visits:
        if isinstance(v, dict):
            end = v.get("ended_at")
            if end is None:
                end = v.get("planned_end")
            if end is None:
                end = v.get("started_at")
            ok = ok and _window_ok(v.get("started_at"), end)
    return ok


def _batch_ok(case):
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return True
    notices = body.get("notices") or []
    return all(
        _window_ok(n.get("start"), n.get("end")) for n in notices if isinstance(n, dict)
    )


@schemathesis.hook("filter_case").apply_to(method="POST", path="/api/v1/notice-batches")
def batch_windows(context, case):
    return _batch_ok(case)


@schemathesis.hook("filter_case").apply_to(
    method="POST", path="/api/v1/notice-batches/preview"
)
def batch_preview_windows(context, case):
    return _batch_ok(case)


@schemathesis.hook("filter_case").apply_to(method="POST", path="/api/v1/case-share")
def share_visits(context, case):
    """The shared visits keep the same time rule as a case's visits."""
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return True
    ok = True
    for v in body.get("visits") or []:
        if isinstance(v, dict):
            end = v.get("ended_at")
            if end is None:
                end = v.get("planned_end")
            if end is None:
                end = v.get("started_at")
            ok = ok and _window_ok(v.get("started_at"), end)
    return ok
