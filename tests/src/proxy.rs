//! A fault-injecting HTTP/1.1 proxy in front of the test server (tokio, raw TCP).
//!
//! Phones talk to the proxy; it forwards each request to the server with `Connection: close`
//! (one request per connection keeps the framing trivial: the answer ends at EOF) and hands the
//! answer back, or, in a fault mode, does something worse. A mode applies to every path or only
//! to paths starting with a prefix ([`FaultProxy::set`]). Every request is logged with the
//! status the phone saw.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use data_encoding::BASE64URL_NOPAD;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with a request it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwards and hands the answer back untouched.
    PassThrough,
    /// Answers `500` with an API error body, without asking the server.
    Status500,
    /// Answers `200` with a body that is not JSON, without asking the server.
    Garbage200,
    /// Forwards, then hands back the status line, the headers and half the body, and closes.
    CutMidResponse,
    /// Forwards; in a signed exposure list, moves every notice an hour later and keeps the
    /// signature (a man in the middle who cannot sign).
    TamperExposures,
    /// On the `nth` upload (1-based) from now: forwards it, then kills the server (the hook of
    /// [`FaultProxy::on_kill`]) — after the server answered (`after_answer`: it committed, the
    /// phone never hears so) or right after the request went out (mid-transaction) — and closes
    /// the phone's connection without an answer. Other requests pass through.
    KillOnUpload {
        /// Which upload.
        nth: usize,
        /// Kill after the server's answer arrived (true) or as soon as the request is sent.
        after_answer: bool,
    },
}

/// One request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Status handed to the phone (0: no answer, the connection was cut).
    pub status: u16,
}

type Hook = Arc<dyn Fn() + Send + Sync>;

struct State {
    fault: Fault,
    prefix: Option<String>,
    uploads: usize,
    kill: Option<Hook>,
    seen: Vec<Seen>,
}

/// The proxy; stops when dropped.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT` of the proxy.
    pub base_url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// A proxy on a free loopback port in front of `upstream_port`, passing everything through.
    pub async fn start(upstream_port: u16) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(State {
            fault: Fault::PassThrough,
            prefix: None,
            uploads: 0,
            kill: None,
            seen: Vec::new(),
        }));
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = handle(conn, upstream_port, st).await;
                });
            }
        });
        Ok(Self {
            base_url: format!("http://127.0.0.1:{port}"),
            state,
            task,
        })
    }

    /// Switches the mode: for every path (`only` = `None`) or paths starting with `only`.
    /// Resets the upload count of [`Fault::KillOnUpload`].
    pub fn set(&self, fault: Fault, only: Option<&str>) {
        let mut s = self.state.lock().unwrap();
        s.fault = fault;
        s.prefix = only.map(str::to_owned);
        s.uploads = 0;
    }

    /// Back to passing everything through.
    pub fn pass_through(&self) {
        self.set(Fault::PassThrough, None);
    }

    /// What [`Fault::KillOnUpload`] calls to kill the server.
    pub fn on_kill(&self, hook: impl Fn() + Send + Sync + 'static) {
        self.state.lock().unwrap().kill = Some(Arc::new(hook));
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Forgets the requests seen.
    pub fn clear_seen(&self) {
        self.state.lock().unwrap().seen.clear();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A request or answer head: the first line and the header lines.
struct Head {
    first: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn parse(bytes: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(bytes).context("head is not UTF-8")?;
        let mut lines = text.split("\r\n");
        let first = lines.next().unwrap_or_default().to_owned();
        let headers = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Ok(Self { first, headers })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The head with `Connection: close` instead of any hop-by-hop header and the given
    /// `Content-Length` (if any).
    fn render(&self, content_length: Option<usize>) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.first);
        for (k, v) in &self.headers {
            let drop = [
                "connection",
                "keep-alive",
                "proxy-connection",
                "te",
                "upgrade",
            ]
            .iter()
            .any(|h| k.eq_ignore_ascii_case(h))
                || (content_length.is_some() && k.eq_ignore_ascii_case("content-length"));
            if !drop {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        if let Some(n) = content_length {
            out.push_str(&format!("Content-Length: {n}\r\n"));
        }
        out.push_str("Connection: close\r\n\r\n");
        out.into_bytes()
    }
}

/// Reads one request: its head and its `Content-Length` body.
async fn read_request(conn: &mut TcpStream) -> Result<(Head, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            bail!("request head too large");
        }
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            bail!("client closed before the head ended");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = Head::parse(&buf[..head_end])?;
    let len: usize = head
        .get("content-length")
        .map(str::parse)
        .transpose()?
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            bail!("client closed mid-body");
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Ok((head, body))
}

/// An answer, split.
struct Answer {
    head: Head,
    body: Vec<u8>,
}

impl Answer {
    fn status(&self) -> u16 {
        self.head
            .first
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = self.head.render(Some(self.body.len()));
        out.extend_from_slice(&self.body);
        out
    }
}

/// Sends the request to the server and reads its answer to EOF (`Connection: close`).
async fn forward_send(port: u16, head: &Head, body: &[u8]) -> Result<TcpStream> {
    let mut up = TcpStream::connect(("127.0.0.1", port)).await?;
    up.write_all(&head.render(None)).await?;
    up.write_all(body).await?;
    up.flush().await?;
    Ok(up)
}

async fn read_answer(mut up: TcpStream) -> Result<Answer> {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), up.read_to_end(&mut raw)).await??;
    let end = find(&raw, b"\r\n\r\n").context("answer without a head")?;
    let head = Head::parse(&raw[..end])?;
    let mut body = raw[end + 4..].to_vec();
    if let Some(n) = head.get("content-length").and_then(|v| v.parse().ok()) {
        body.truncate(n);
    }
    if head
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body)?;
        let headers = head
            .headers
            .into_iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("transfer-encoding"))
            .collect();
        return Ok(Answer {
            head: Head {
                first: head.first,
                headers,
            },
            body,
        });
    }
    Ok(Answer { head, body })
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let i = find(b, b"\r\n").context("chunk size line")?;
        let size = usize::from_str_radix(std::str::from_utf8(&b[..i])?.trim(), 16)?;
        b = &b[i + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(b.get(..size).context("short chunk")?);
        b = b.get(size + 2..).context("short chunk")?;
    }
}

fn simple(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Moves every notice of a signed exposure list an hour later, keeping the signature.
fn tamper(body: &[u8]) -> Result<Vec<u8>> {
    let mut signed: Value = serde_json::from_slice(body)?;
    let payload = signed["payload"].as_str().context("no payload")?;
    let mut doc: Value = serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes())?)?;
    for n in doc["notices"].as_array_mut().into_iter().flatten() {
        for k in ["start", "end"] {
            let t = n[k].as_i64().unwrap_or(0);
            n[k] = Value::from(t + 3_600_000);
        }
    }
    signed["payload"] = Value::from(BASE64URL_NOPAD.encode(&serde_json::to_vec(&doc)?));
    Ok(serde_json::to_vec(&signed)?)
}

async fn handle(mut conn: TcpStream, port: u16, st: Arc<Mutex<State>>) -> Result<()> {
    let (head, body) = read_request(&mut conn).await?;
    let mut parts = head.first.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let is_upload = path.starts_with(quetma_core::api::PATH_UPLOADS);
    let (fault, kill_now) = {
        let mut s = st.lock().unwrap();
        let applies = s.prefix.as_deref().is_none_or(|p| path.starts_with(p));
        let fault = if applies { s.fault } else { Fault::PassThrough };
        let mut kill = None;
        if let Fault::KillOnUpload { nth, .. } = fault
            && is_upload
        {
            s.uploads += 1;
            if s.uploads == nth {
                kill = s.kill.clone();
            }
        }
        (fault, kill)
    };
    let log = |status: u16| {
        st.lock().unwrap().seen.push(Seen {
            method: method.clone(),
            path: path.clone(),
            status,
        });
    };
    let out: Option<Vec<u8>> = match fault {
        Fault::Status500 => Some(simple(
            "500 Internal Server Error",
            "application/json",
            br#"{"code":"internal","message":"proxy fault"}"#,
        )),
        Fault::Garbage200 => Some(simple(
            "200 OK",
            "application/json",
            b"<html><body>Gateway says hello \x00\xff</body></html>",
        )),
        _ => {
            let up = match forward_send(port, &head, &body).await {
                Ok(up) => up,
                Err(_) => {
                    // The server is down: what a reverse proxy answers.
                    let b = simple("502 Bad Gateway", "text/plain", b"bad gateway");
                    log(502);
                    conn.write_all(&b).await?;
                    return Ok(());
                }
            };
            if let (Some(kill), Fault::KillOnUpload { after_answer, .. }) = (&kill_now, fault) {
                if after_answer {
                    let _ = read_answer(up).await;
                    kill();
                } else {
                    // Give the server a moment to be inside its transaction, then kill it
                    // with the request still open.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    kill();
                    drop(up);
                }
                log(0);
                // Close without an answer.
                return Ok(());
            }
            let answer = match read_answer(up).await {
                Ok(a) => a,
                Err(_) => {
                    log(0);
                    return Ok(());
                }
            };
            match fault {
                Fault::CutMidResponse => {
                    let full = answer.bytes();
                    let head_len = find(&full, b"\r\n\r\n").map_or(0, |i| i + 4);
                    let keep = head_len + answer.body.len() / 2;
                    conn.write_all(&full[..keep.max(head_len)]).await?;
                    conn.flush().await?;
                    log(0);
                    return Ok(());
                }
                Fault::TamperExposures
                    if path.starts_with(quetma_core::api::PATH_EXPOSURES)
                        && answer.status() == 200 =>
                {
                    let body = tamper(&answer.body)?;
                    let tampered = Answer {
                        head: answer.head,
                        body,
                    };
                    Some(tampered.bytes())
                }
                _ => Some(answer.bytes()),
            }
        }
    };
    if let Some(out) = out {
        let status = Head::parse(&out[..find(&out, b"\r\n\r\n").unwrap_or(out.len())])
            .ok()
            .and_then(|h| {
                h.first
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
            })
            .unwrap_or(0);
        log(status);
        conn.write_all(&out).await?;
        conn.flush().await?;
        conn.shutdown().await.ok();
    }
    Ok(())
}
