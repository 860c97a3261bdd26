//! A small fake of the device API (core::api) on a loopback port, for the sync client's tests:
//! idempotent uploads, a signed trust list, a signed exposure list with ETag and `since`
//! deltas, and scripted faults (500, garbage, 429, dropped connections, lost answers, hangs).
//! Plain HTTP/1.1 by hand, one request per connection, so every fault is exact.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quetma_core::api::{
    self, ExposureList, ExposureNotice, RejectReason, Rejected, Signed, TrustListDoc, UploadBatch,
    UploadResponse,
};
use quetma_core::keys::AuthoritySigningKey;
use quetma_core::keys::files::PublicKeyEntry;
use quetma_core::store::{Clock, ManualClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A scripted fault for the next request to a path.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer 500 with an ApiError body.
    Status500,
    /// Answer 200 with a body that is not JSON.
    Garbage,
    /// Answer 429 with `Retry-After: secs`.
    RateLimited(u32),
    /// Process the request, then close the connection without answering (lost answer).
    LoseAnswer,
    /// Read part of the request, then close (connection dropped mid-upload).
    DropMidRequest,
    /// Wait this long before answering.
    Hang(Duration),
    /// Tamper with the signed payload (exposure list or trust list).
    Tamper,
    /// Sign with this key instead of the server's.
    SignWith(Box<AuthoritySigningKey>),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub status: u16,
}

pub struct State {
    pub signing: AuthoritySigningKey,
    pub trust: TrustListDoc,
    /// Key that signs the trust list (default: `signing`).
    pub trust_signer: Option<AuthoritySigningKey>,
    pub notices: Vec<ExposureNotice>,
    pub stored: BTreeMap<String, String>,
    pub batches: Vec<UploadBatch>,
    pub faults: VecDeque<(String, Fault)>,
    pub reject_venues: HashMap<String, RejectReason>,
    pub seen: Vec<Seen>,
    /// Server clock minus the shared clock, ms.
    pub skew_ms: i64,
    /// Case codes the tracer opened: code → (window days, used).
    pub case_codes: HashMap<String, (i64, bool)>,
    /// Case shares received (accepted ones).
    pub shares: Vec<api::CaseShareRequest>,
}

pub struct FakeServer {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    clock: Arc<ManualClock>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn entry(key: &AuthoritySigningKey) -> PublicKeyEntry {
    use data_encoding::BASE64URL_NOPAD;
    PublicKeyEntry {
        kid: key.kid().clone(),
        public: BASE64URL_NOPAD.encode(&key.verifying_key().to_bytes()),
    }
}

impl FakeServer {
    /// Starts a server signing with `signing`, whose clock is `clock` plus the skew.
    pub async fn start(signing: AuthoritySigningKey, clock: Arc<ManualClock>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let trust = TrustListDoc {
            issued_at: clock.now_ms(),
            signing: vec![entry(&signing)],
            sealing: None,
        };
        let state = Arc::new(Mutex::new(State {
            signing,
            trust,
            trust_signer: None,
            notices: Vec::new(),
            stored: BTreeMap::new(),
            batches: Vec::new(),
            faults: VecDeque::new(),
            reject_venues: HashMap::new(),
            seen: Vec::new(),
            skew_ms: 0,
            case_codes: HashMap::new(),
            shares: Vec::new(),
        }));
        let st = Arc::clone(&state);
        let ck = Arc::clone(&clock);
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let st = Arc::clone(&st);
                let ck = Arc::clone(&ck);
                tokio::spawn(async move {
                    let _ = serve(sock, st, ck).await;
                });
            }
        });
        Self {
            url: format!("http://{addr}"),
            state,
            clock,
            task,
        }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn fault(&self, path: &str, fault: Fault) {
        self.with(|s| s.faults.push_back((path.to_string(), fault)));
    }

    /// Publishes a notice with the next sequence number.
    pub fn publish(&self, mut n: ExposureNotice) -> i64 {
        self.with(|s| {
            let seq = s.notices.iter().map(|n| n.seq).max().unwrap_or(0) + 1;
            n.seq = seq;
            s.notices.retain(|o| o.id != n.id);
            s.notices.push(n);
            seq
        })
    }

    /// Withdraws a notice (it comes back with a new sequence number, withdrawn).
    pub fn withdraw(&self, id: &str) {
        let mut n = self.with(|s| s.notices.iter().find(|n| n.id == id).cloned().unwrap());
        n.withdrawn = true;
        self.publish(n);
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.with(|s| {
            s.seen
                .iter()
                .filter(|r| r.path.starts_with(path))
                .cloned()
                .collect()
        })
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

async fn read_head(sock: &mut TcpStream) -> Option<(Request, usize, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let rest = buf[end + 4..].to_vec();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_string();
            let target = first.next()?.to_string();
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p.to_string(), q.to_string()),
                None => (target, String::new()),
            };
            let headers: HashMap<String, String> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let len = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            return Some((
                Request {
                    method,
                    path,
                    query,
                    headers,
                    body: Vec::new(),
                },
                len,
                rest,
            ));
        }
    }
}

fn http_date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap();
    t.format(&time::format_description::well_known::Rfc2822)
        .unwrap()
}

async fn serve(
    mut sock: TcpStream,
    st: Arc<Mutex<State>>,
    clock: Arc<ManualClock>,
) -> std::io::Result<()> {
    let Some((mut req, len, mut body)) = read_head(&mut sock).await else {
        return Ok(());
    };
    let fault = {
        let mut s = st.lock().unwrap();
        let i = s
            .faults
            .iter()
            .position(|(p, _)| req.path.starts_with(p.as_str()));
        i.and_then(|i| s.faults.remove(i)).map(|(_, f)| f)
    };
    if matches!(fault, Some(Fault::DropMidRequest)) {
        // Read a little of the body, then hang up.
        return Ok(());
    }
    let mut chunk = vec![0u8; 8192];
    while body.len() < len {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    req.body = body;
    if let Some(Fault::Hang(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    let (status, extra, payload) = handle(&req, &st, &clock, fault.as_ref());
    st.lock().unwrap().seen.push(Seen {
        method: req.method.clone(),
        path: format!("{}?{}", req.path, req.query),
        headers: req.headers.clone(),
        status,
    });
    if matches!(fault, Some(Fault::LoseAnswer)) {
        return Ok(());
    }
    let now = clock.now_ms() + st.lock().unwrap().skew_ms;
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        429 => "Too Many Requests",
        _ => "Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\nDate: {}\r\nContent-Type: application/json\r\n",
        payload.len(),
        http_date(now)
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(&payload).await?;
    sock.shutdown().await
}

fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn signed<T: serde::Serialize + serde::de::DeserializeOwned>(
    doc: &T,
    key: &AuthoritySigningKey,
    fault: Option<&Fault>,
) -> Vec<u8> {
    let key = match fault {
        Some(Fault::SignWith(k)) => k,
        _ => key,
    };
    let mut s = Signed::sign(doc, key).unwrap();
    if matches!(fault, Some(Fault::Tamper)) {
        let mut v: serde_json::Value = serde_json::to_value(&s).unwrap();
        // Flip one character of the payload: still Base64url, no longer what was signed.
        let p = v["payload"].as_str().unwrap().to_string();
        let mut b = p.into_bytes();
        b[10] = if b[10] == b'A' { b'B' } else { b'A' };
        v["payload"] = serde_json::Value::String(String::from_utf8(b).unwrap());
        s = serde_json::from_value(v).unwrap();
    }
    json(&s)
}

fn handle(
    req: &Request,
    st: &Arc<Mutex<State>>,
    clock: &Arc<ManualClock>,
    fault: Option<&Fault>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = st.lock().unwrap();
    let now = clock.now_ms() + s.skew_ms;
    match fault {
        Some(Fault::Status500) => {
            return (
                500,
                vec![],
                br#"{"code":"internal","message":"Loi may chu / Server error"}"#.to_vec(),
            );
        }
        Some(Fault::Garbage) => return (200, vec![], b"<html>proxy error".to_vec()),
        Some(Fault::RateLimited(secs)) => {
            return (
                429,
                vec![("Retry-After".into(), secs.to_string())],
                br#"{"code":"rate_limited","message":"x"}"#.to_vec(),
            );
        }
        _ => {}
    }
    if !req
        .headers
        .contains_key(&api::DEVICE_HEADER.to_ascii_lowercase())
    {
        return (
            400,
            vec![],
            br#"{"code":"invalid","message":"device"}"#.to_vec(),
        );
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", api::PATH_TRUST_LIST) => {
            let signer = s.trust_signer.clone().unwrap_or_else(|| s.signing.clone());
            (200, vec![], signed(&s.trust, &signer, fault))
        }
        ("GET", api::PATH_EXPOSURES) => {
            let since: i64 = req
                .query
                .split('&')
                .find_map(|kv| kv.strip_prefix("since="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let latest = s.notices.iter().map(|n| n.seq).max().unwrap_or(0);
            let etag = format!("\"L{latest}\"");
            if req.headers.get("if-none-match") == Some(&etag) {
                return (304, vec![("ETag".into(), etag)], Vec::new());
            }
            let mut notices: Vec<ExposureNotice> = s
                .notices
                .iter()
                .filter(|n| n.seq > since && (since > 0 || !n.withdrawn))
                .cloned()
                .collect();
            notices.sort_by_key(|n| n.seq);
            let list = ExposureList {
                issued_at: now,
                since,
                latest_seq: latest,
                notices,
            };
            (
                200,
                vec![("ETag".into(), etag)],
                signed(&list, &s.signing, fault),
            )
        }
        ("POST", api::PATH_UPLOADS) => {
            let Ok(batch) = serde_json::from_slice::<UploadBatch>(&req.body) else {
                return (400, vec![], br#"{"code":"invalid","message":"x"}"#.to_vec());
            };
            if batch.visits.len() + batch.visitors.len() > api::MAX_BATCH_ITEMS {
                return (
                    413,
                    vec![],
                    br#"{"code":"too_large","message":"x"}"#.to_vec(),
                );
            }
            let mut resp = UploadResponse {
                accepted: vec![],
                rejected: vec![],
                server_time: now,
            };
            for v in &batch.visits {
                if let Some(r) = s.reject_venues.get(&v.venue_id) {
                    resp.rejected.push(Rejected {
                        client_id: v.client_id.clone(),
                        reason: *r,
                    });
                } else {
                    s.stored
                        .insert(v.client_id.clone(), serde_json::to_string(v).unwrap());
                    resp.accepted.push(v.client_id.clone());
                }
            }
            for v in &batch.visitors {
                s.stored
                    .insert(v.client_id.clone(), serde_json::to_string(v).unwrap());
                resp.accepted.push(v.client_id.clone());
            }
            s.batches.push(batch);
            (200, vec![], json(&resp))
        }
        ("POST", api::PATH_CASE_SHARE) => {
            let Ok(share) = serde_json::from_slice::<api::CaseShareRequest>(&req.body) else {
                return (400, vec![], br#"{"code":"invalid","message":"x"}"#.to_vec());
            };
            let Some((days, used)) = s.case_codes.get(&share.code).copied() else {
                return (
                    404,
                    vec![],
                    br#"{"code":"unknown_code","message":"x"}"#.to_vec(),
                );
            };
            if used {
                return (
                    404,
                    vec![],
                    br#"{"code":"unknown_code","message":"x"}"#.to_vec(),
                );
            }
            let from = now - days * 86_400_000;
            if share
                .visits
                .iter()
                .any(|v| v.ended_at.or(v.planned_end).unwrap_or(v.started_at) < from)
            {
                return (
                    409,
                    vec![],
                    br#"{"code":"conflict","message":"x"}"#.to_vec(),
                );
            }
            s.case_codes.insert(share.code.clone(), (days, true));
            let resp = api::CaseShareResponse {
                case_id: "C-FAKE".into(),
                visits: share.visits.len() as u64,
            };
            s.shares.push(share);
            (200, vec![], json(&resp))
        }
        _ => (
            404,
            vec![],
            br#"{"code":"not_found","message":"x"}"#.to_vec(),
        ),
    }
}
