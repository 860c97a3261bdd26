//! `quetma bench soak`: a bounded run of simulated phones and scanners uploading at a steady
//! rate to a live `quetma serve` (a child process on loopback), which is killed (`SIGKILL`) or
//! stopped (`SIGTERM`) in the middle and started again. Each simulated device keeps an outbox
//! as the app does: items stay queued until an upload answering `200` lists them as accepted,
//! a failed upload is retried, a check-out replaces its check-in under the same client id, a
//! cancellation deletes it, and some acknowledged batches are sent twice (a lost answer). At the
//! end every queue is drained, the server stopped, and the database must hold exactly one row
//! per acknowledged item, with the last acknowledged body (none for a cancellation), and
//! nothing else. The server's resident memory is sampled from `/proc/PID/status`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use quetma_core::api::{UploadBatch, UploadResponse};
use quetma_core::outbox::{SealedContactJson, VisitUpload, VisitorUpload};
use quetma_server::db::Db;
use quetma_server::params;
use quetma_server::service::hash_token;
use quetma_server::state::Keys;
use tokio::sync::Mutex;

use super::bench::{Conn, quantile_ms, sealed_pool};

/// Arguments of `quetma bench soak`.
#[derive(clap::Args, Clone)]
pub struct SoakArgs {
    /// Length of the run, minutes (the restart comes at half time).
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Simulated phones.
    #[arg(long, default_value_t = 400)]
    pub phones: u64,
    /// Simulated venue scanners (visitor logs, with a scanner token).
    #[arg(long, default_value_t = 20)]
    pub scanners: u64,
    /// New items a second, all devices together (check-outs and cancellations come on top).
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// How the server is stopped in the middle: `kill` (SIGKILL) or `term` (SIGTERM, graceful).
    #[arg(long, default_value = "kill")]
    pub restart: String,
    /// The `quetma` binary to serve with (default: this one).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
}

/// What the database must hold for one acknowledged (venue, client id).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// One check-in row with this end (`ended_at`, NULL while open).
    Visit(Option<i64>),
    /// No row (cancelled).
    Gone,
    /// One visitor-log row.
    Visitor,
}

#[derive(Default)]
struct Stats {
    uploads: AtomicU64,
    failed: AtomicU64,
    resent: AtomicU64,
    items: AtomicU64,
}

struct Shared {
    addr: SocketAddr,
    kid: String,
    pool: Vec<SealedContactJson>,
    venues: u64,
    expect: Mutex<HashMap<(String, String), Expect>>,
    latencies: Mutex<Vec<Duration>>,
    stats: Stats,
    started: Instant,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Server {
    bin: PathBuf,
    dir: PathBuf,
    url: String,
    addr: SocketAddr,
}

impl Server {
    fn start(&self) -> Result<Child> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))?;
        let child = Command::new(&self.bin)
            .args(["serve", "--listen"])
            .arg(self.addr.to_string())
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("--database-url")
            .arg(&self.url)
            .args(["--device-per-minute", "6000", "--device-burst", "1000"])
            .env("QUETMA_ADMIN_PASSWORD", "soak-admin-password-1")
            .env("QUETMA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting quetma serve")?;
        Ok(child)
    }

    async fn wait_ready(&self, child: &mut Child) -> Result<Duration> {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(60) {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "the server exited at start ({status}); see {}/server.log",
                    self.dir.display()
                );
            }
            if let Ok(mut s) = tokio::net::TcpStream::connect(self.addr).await {
                use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
                    .await?;
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf).await;
                if buf.starts_with(b"HTTP/1.1 200") {
                    return Ok(t.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not answer /healthz within 60 s")
    }
}

fn stop(child: &mut Child, graceful: bool) -> Result<()> {
    if graceful {
        let pid = child.id().to_string();
        // SIGTERM: axum's graceful shutdown finishes the requests in flight.
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..200 {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    child.kill()?;
    child.wait()?;
    Ok(())
}

/// Runs the soak.
pub fn soak(url: &str, args: &SoakArgs) -> Result<ExitCode> {
    if args.restart != "kill" && args.restart != "term" {
        bail!("--restart is kill or term");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = std::env::temp_dir().join(format!("quetma-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let r = rt.block_on(run(url, args, &dir));
    if r.is_ok() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("soak: server log kept in {}", dir.display());
    }
    r
}

async fn setup(
    url: &str,
    args: &SoakArgs,
    dir: &Path,
) -> Result<(Db, Keys, Vec<(String, String)>)> {
    super::keys::keygen(&super::keys::KeygenArgs {
        out: dir.join("keys"),
        force: true,
    })?;
    let keys = Keys::load(
        &dir.join("keys/signing.key.json"),
        &dir.join("keys/public.json"),
    )?;
    let db = Db::connect(url).await?;
    quetma_server::db::schema::migrate(&db).await?;
    // A scratch database: the soak's own rows only.
    for t in ["checkins", "visitors"] {
        db.exec(&format!("DELETE FROM {t} WHERE venue_id LIKE 'S-%'"), &[])
            .await?;
    }
    db.exec("DELETE FROM scanners WHERE venue_id LIKE 'S-%'", &[])
        .await?;
    let venues = args.scanners.max(1) * 5;
    for i in 0..venues {
        db.exec(
            "INSERT INTO venues (id, name, address, ward_code, category, default_stay_minutes, poster_kid, \
             poster_text, issued_at, created_at) VALUES ($1, $2, '', 100, 'shop', 30, $3, '', 0, 0) \
             ON CONFLICT (id) DO NOTHING",
            &params![format!("S-{i}"), format!("Soak {i}"), keys.signing.kid().as_str()],
        )
        .await?;
    }
    let mut tokens = Vec::new();
    for s in 0..args.scanners {
        let token = format!("SOAKSCANNERTOKEN{s:06}{}", std::process::id());
        let venue = format!("S-{}", s * 5);
        db.exec(
            "INSERT INTO scanners (token_hash, venue_id, checkpoint, created_at) VALUES ($1, $2, 'Cổng', 0)",
            &params![hash_token(&token), &venue],
        )
        .await?;
        tokens.push((token, venue));
    }
    Ok((db, keys, tokens))
}

/// One upload with retries on the next tick: the outbox is drained only by an acknowledgement.
async fn upload(
    sh: &Shared,
    conn: &mut Option<Conn>,
    device: &str,
    bearer: Option<&str>,
    batch: &UploadBatch,
) -> Option<UploadResponse> {
    let body = serde_json::to_vec(batch).ok()?;
    if conn.is_none() {
        *conn = Conn::connect(sh.addr).await.ok();
    }
    let c = conn.as_mut()?;
    let t = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        c.post_as("/api/v1/uploads", device, bearer, &body),
    )
    .await;
    let elapsed = t.elapsed();
    sh.stats.uploads.fetch_add(1, Ordering::Relaxed);
    match r {
        Ok(Ok((200, resp))) => {
            sh.latencies.lock().await.push(elapsed);
            serde_json::from_slice(&resp).ok()
        }
        other => {
            if let Ok(Ok((status, resp))) = &other {
                eprintln!(
                    "soak: {device} upload answered {status}: {}",
                    String::from_utf8_lossy(resp)
                );
            }
            sh.stats.failed.fetch_add(1, Ordering::Relaxed);
            *conn = None;
            None
        }
    }
}

async fn phone(sh: Arc<Shared>, n: u64, every: Duration, run: Arc<AtomicBool>) {
    let device = format!("SOAKPHONE{n:08}");
    let mut conn = None;
    // Pending bodies by client id (the latest replaces), and the visits still open.
    let mut outbox: Vec<VisitUpload> = Vec::new();
    let mut open: Vec<VisitUpload> = Vec::new();
    let mut seq = 0u64;
    let mut rng = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Spread the phones over the period.
    tokio::time::sleep(every.mul_f64((next() % 1000) as f64 / 1000.0)).await;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let running = run.load(Ordering::Relaxed);
        if running {
            let now = now_ms();
            // Close an open visit (check-out replaces the check-in), sometimes cancel one.
            if !open.is_empty() && next() % 2 == 0 {
                let mut v = open.remove(0);
                if next() % 25 == 0 {
                    v.cancelled = true;
                } else {
                    v.ended_at = Some(now);
                }
                outbox.retain(|o| o.client_id != v.client_id);
                outbox.push(v);
            }
            seq += 1;
            let v = VisitUpload {
                client_id: format!("p{n}-{seq}"),
                venue_id: format!("S-{}", next() % sh.venues),
                poster_kid: sh.kid.clone(),
                started_at: now - 1000,
                ended_at: None,
                planned_end: now + 30 * 60_000,
                cancelled: false,
                contact: sh.pool[usize::try_from(next() % 64).unwrap_or(0)].clone(),
            };
            open.push(v.clone());
            outbox.push(v);
            sh.stats.items.fetch_add(1, Ordering::Relaxed);
        } else if outbox.is_empty() {
            return;
        }
        if outbox.is_empty() {
            continue;
        }
        let batch = UploadBatch {
            sent_at: now_ms(),
            visits: outbox.iter().take(500).cloned().collect(),
            visitors: vec![],
        };
        let Some(resp) = upload(&sh, &mut conn, &device, None, &batch).await else {
            continue;
        };
        if !resp.rejected.is_empty() {
            eprintln!("soak: {device}: rejected {:?}", resp.rejected.first());
        }
        {
            let mut e = sh.expect.lock().await;
            for v in &batch.visits {
                if resp.accepted.contains(&v.client_id) {
                    let want = if v.cancelled {
                        Expect::Gone
                    } else {
                        Expect::Visit(v.ended_at)
                    };
                    e.insert((v.venue_id.clone(), v.client_id.clone()), want);
                }
            }
        }
        outbox.retain(|o| !resp.accepted.contains(&o.client_id));
        // A lost answer: the phone sends the same batch again; the server must store it once.
        if next() % 20 == 0 {
            sh.stats.resent.fetch_add(1, Ordering::Relaxed);
            let _ = upload(&sh, &mut conn, &device, None, &batch).await;
        }
    }
}

async fn scanner(
    sh: Arc<Shared>,
    n: u64,
    token: String,
    venue: String,
    every: Duration,
    run: Arc<AtomicBool>,
) {
    let device = format!("SOAKSCANNER{n:08}");
    let mut conn = None;
    let mut outbox: Vec<VisitorUpload> = Vec::new();
    let mut seq = 0u64;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if run.load(Ordering::Relaxed) {
            seq += 1;
            outbox.push(VisitorUpload {
                client_id: format!("s{n}-{seq}"),
                venue_id: venue.clone(),
                checkpoint: "Cổng".into(),
                direction: if seq.is_multiple_of(2) {
                    "exit"
                } else {
                    "entry"
                }
                .into(),
                scanned_at: now_ms() - 500,
                source: "cccd".into(),
                contact: sh.pool[usize::try_from(seq % 64).unwrap_or(0)].clone(),
            });
            sh.stats.items.fetch_add(1, Ordering::Relaxed);
        } else if outbox.is_empty() {
            return;
        }
        let batch = UploadBatch {
            sent_at: now_ms(),
            visits: vec![],
            visitors: outbox.iter().take(500).cloned().collect(),
        };
        let Some(resp) = upload(&sh, &mut conn, &device, Some(&token), &batch).await else {
            continue;
        };
        if !resp.rejected.is_empty() {
            eprintln!("soak: {device}: rejected {:?}", resp.rejected.first());
        }
        {
            let mut e = sh.expect.lock().await;
            for v in &batch.visitors {
                if resp.accepted.contains(&v.client_id) {
                    e.insert((v.venue_id.clone(), v.client_id.clone()), Expect::Visitor);
                }
            }
        }
        outbox.retain(|o| !resp.accepted.contains(&o.client_id));
    }
}

async fn run(url: &str, args: &SoakArgs, dir: &Path) -> Result<ExitCode> {
    let (db, keys, tokens) = setup(url, args, dir).await?;
    let bin = match &args.server_bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?,
    };
    let server = Server {
        bin,
        dir: dir.to_owned(),
        url: url.to_owned(),
        addr: SocketAddr::from(([127, 0, 0, 1], free_port()?)),
    };
    let mut child = server.start()?;
    server.wait_ready(&mut child).await?;
    let total = Duration::from_secs_f64((args.minutes * 60.0).max(5.0));
    println!(
        "QuetMa soak — {:.1} min, {} phones + {} scanners, {:.0} new items/s, restart by {} at half time, server pid {}",
        total.as_secs_f64() / 60.0,
        args.phones,
        args.scanners,
        args.rate,
        if args.restart == "kill" {
            "SIGKILL"
        } else {
            "SIGTERM"
        },
        child.id()
    );
    let sh = Arc::new(Shared {
        addr: server.addr,
        kid: keys.signing.kid().as_str().to_owned(),
        pool: sealed_pool(&keys)?,
        venues: args.scanners.max(1) * 5,
        expect: Mutex::new(HashMap::new()),
        latencies: Mutex::new(Vec::new()),
        stats: Stats::default(),
        started: Instant::now(),
    });
    let run = Arc::new(AtomicBool::new(true));
    // Scanners make a fifth of the items, phones the rest.
    let devices = (args.phones + args.scanners).max(1) as f64;
    let per_device = args.rate.max(0.1) / devices;
    let every = Duration::from_secs_f64((1.0 / per_device).clamp(0.05, 3600.0));
    let mut tasks = Vec::new();
    for n in 0..args.phones {
        tasks.push(tokio::spawn(phone(sh.clone(), n, every, run.clone())));
    }
    for (n, (token, venue)) in tokens.into_iter().enumerate() {
        tasks.push(tokio::spawn(scanner(
            sh.clone(),
            n as u64,
            token,
            venue,
            every,
            run.clone(),
        )));
    }
    // Memory samples: (seconds since start, server life, RSS KiB).
    let mut samples: Vec<(f64, u32, u64)> = Vec::new();
    let mut life = 0u32;
    let mut restarted = false;
    let mut downtime = Duration::ZERO;
    let mut last_report = Instant::now();
    while sh.started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let t = sh.started.elapsed().as_secs_f64();
        if let Some(kib) = rss_kib(child.id()) {
            samples.push((t, life, kib));
        }
        if !restarted && sh.started.elapsed() >= total / 2 {
            restarted = true;
            let down = Instant::now();
            stop(&mut child, args.restart == "term")?;
            child = server.start()?;
            server.wait_ready(&mut child).await?;
            downtime = down.elapsed();
            life += 1;
            println!(
                "[{t:6.0} s] server stopped ({}) and started again (pid {}): {:.2} s without a server",
                args.restart,
                child.id(),
                downtime.as_secs_f64()
            );
        }
        if last_report.elapsed() >= Duration::from_secs(60) {
            last_report = Instant::now();
            println!(
                "[{t:6.0} s] {} items made, {} acknowledged, {} uploads ({} failed), RSS {} MiB",
                sh.stats.items.load(Ordering::Relaxed),
                sh.expect.lock().await.len(),
                sh.stats.uploads.load(Ordering::Relaxed),
                sh.stats.failed.load(Ordering::Relaxed),
                samples.last().map_or(0, |s| s.2 / 1024)
            );
        }
    }
    // Stop making items; drain every outbox.
    run.store(false, Ordering::Relaxed);
    let drain = tokio::time::timeout(Duration::from_secs(120), async {
        for t in tasks {
            let _ = t.await;
        }
    })
    .await;
    let elapsed = sh.started.elapsed().as_secs_f64();
    stop(&mut child, true)?;
    if drain.is_err() {
        bail!("the outboxes did not drain within 120 s");
    }

    // Check the database against every acknowledged item.
    let expect = sh.expect.lock().await;
    let mut stored: HashMap<(String, String), (i64, Option<i64>, bool)> = HashMap::new();
    for r in db
        .query(
            "SELECT venue_id, client_id, COUNT(*), MAX(ended_at) FROM checkins WHERE venue_id LIKE 'S-%' \
             GROUP BY venue_id, client_id",
            &[],
        )
        .await?
    {
        stored.insert((r.text(0)?, r.text(1)?), (r.int(2)?, r.opt_int(3)?, false));
    }
    for r in db
        .query(
            "SELECT venue_id, client_id, COUNT(*) FROM visitors WHERE venue_id LIKE 'S-%' \
             GROUP BY venue_id, client_id",
            &[],
        )
        .await?
    {
        stored.insert((r.text(0)?, r.text(1)?), (r.int(2)?, None, true));
    }
    let (mut ok, mut missing, mut doubled, mut stale, mut unexpected) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    for (key, want) in expect.iter() {
        match (want, stored.get(key)) {
            (Expect::Gone, None) => ok += 1,
            (Expect::Gone, Some(_)) => unexpected += 1,
            (_, None) => missing += 1,
            (_, Some((n, _, _))) if *n > 1 => doubled += 1,
            (Expect::Visit(end), Some((_, got, false))) if got == end => ok += 1,
            (Expect::Visitor, Some((_, _, true))) => ok += 1,
            _ => stale += 1,
        }
    }
    unexpected += stored.keys().filter(|k| !expect.contains_key(*k)).count() as u64;
    let mut lat = sh.latencies.lock().await.clone();
    lat.sort();
    let items = sh.stats.items.load(Ordering::Relaxed);
    println!(
        "items: {items} made ({:.0}/s over {elapsed:.0} s), {} acknowledged keys; uploads {} ({} failed and retried, {} resent on purpose)",
        items as f64 / elapsed,
        expect.len(),
        sh.stats.uploads.load(Ordering::Relaxed),
        sh.stats.failed.load(Ordering::Relaxed),
        sh.stats.resent.load(Ordering::Relaxed),
    );
    println!(
        "upload latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} acknowledged uploads; restart gap {:.2} s",
        quantile_ms(&lat, 0.5),
        quantile_ms(&lat, 0.99),
        quantile_ms(&lat, 1.0),
        lat.len(),
        downtime.as_secs_f64()
    );
    for l in 0..=life {
        let s: Vec<&(f64, u32, u64)> = samples.iter().filter(|s| s.1 == l).collect();
        let Some(first) = s.iter().find(|x| x.0 - s[0].0 >= 30.0).or(s.first()) else {
            continue;
        };
        let last = s.last().unwrap_or(first);
        let max = s.iter().map(|x| x.2).max().unwrap_or(0);
        println!(
            "server RSS, life {}: {:.1} MiB at {:.0} s (30 s in) → {:.1} MiB at {:.0} s, max {:.1} MiB ({} samples)",
            l + 1,
            first.2 as f64 / 1024.0,
            first.0,
            last.2 as f64 / 1024.0,
            last.0,
            max as f64 / 1024.0,
            s.len()
        );
    }
    println!(
        "stored exactly once with the last acknowledged body: {ok} of {}; missing {missing}, doubled {doubled}, \
         stale body {stale}, not acknowledged or cancelled but stored {unexpected}",
        expect.len()
    );
    if ok as usize == expect.len() && unexpected == 0 && !expect.is_empty() {
        println!("soak: OK");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("soak: FAILED");
        Ok(ExitCode::FAILURE)
    }
}
