//! `quetma bench`: on PostgreSQL, the check-in ingest rate over HTTP (batches of 500 through
//! `POST /api/v1/uploads`, several phones at once) against raw `COPY` into the same table, and
//! the tracing query's time on a table of 10⁶ (or more) rows made with `generate_series`, with
//! its `EXPLAIN ANALYZE` plan.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use quetma_core::api::{DEVICE_HEADER, UploadBatch, UploadResponse};
use quetma_core::outbox::{SealedContactJson, VisitUpload};
use quetma_core::payload::{ContactRecord, ContactSource};
use quetma_server::db::Db;
use quetma_server::db::schema::DAY_MS;
use quetma_server::service::cases::{Window, query_window};
use quetma_server::state::{AppState, Clock, Config, Keys};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};

/// Arguments of `quetma bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL URL of a scratch database (its check-in tables are emptied and filled).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Check-ins sent through the HTTP API (and then through COPY).
    #[arg(long, default_value_t = 200_000)]
    pub http_rows: u64,
    /// Concurrent phones (HTTP connections).
    #[arg(long, default_value_t = 8)]
    pub clients: u64,
    /// Rows in the table for the tracing query.
    #[arg(long, default_value_t = 1_000_000)]
    pub trace_rows: u64,
    /// Venues the generated rows spread over.
    #[arg(long, default_value_t = 10_000)]
    pub venues: u64,
}

const BATCH: u64 = 500;
const MIN: i64 = 60_000;

/// A tiny HTTP/1.1 keep-alive client: POST JSON, read the answer (Content-Length bodies only).
struct Conn {
    r: BufReader<tokio::net::TcpStream>,
}

impl Conn {
    async fn post(&mut self, path: &str, device: &str, body: &[u8]) -> Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n{DEVICE_HEADER}: {device}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let s = self.r.get_mut();
        s.write_all(head.as_bytes()).await?;
        s.write_all(body).await?;
        let mut line = String::new();
        self.r.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("bad status line")?;
        let mut len = 0usize;
        loop {
            line.clear();
            self.r.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse()?;
            }
        }
        let mut buf = vec![0u8; len];
        self.r.read_exact(&mut buf).await?;
        Ok((status, buf))
    }
}

fn sealed_pool(keys: &Keys) -> Result<Vec<SealedContactJson>> {
    (0..64)
        .map(|i| {
            let r = ContactRecord {
                full_name: format!("Nguyễn Văn Thử {i}"),
                id_number: None,
                id_kind: None,
                phone: Some(format!("09{:08}", i)),
                birth_year: Some(1980),
                source: ContactSource::PersonalQr,
            };
            Ok(SealedContactJson::from(&r.seal(&keys.sealing)?))
        })
        .collect()
}

async fn reset(db: &Db) -> Result<()> {
    db.batch("TRUNCATE checkins, visitors").await?;
    Ok(())
}

async fn count(db: &Db) -> Result<i64> {
    Ok(db.query("SELECT COUNT(*) FROM checkins", &[]).await?[0].int(0)?)
}

/// Runs the benchmark.
pub fn bench(args: &BenchArgs) -> Result<ExitCode> {
    if !args.database_url.starts_with("postgres") {
        bail!("the benchmark needs PostgreSQL (--database-url postgres://…)");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(args))
}

async fn run(args: &BenchArgs) -> Result<ExitCode> {
    let db = Db::connect(&args.database_url).await?;
    quetma_server::db::schema::migrate(&db).await?;
    let (keys, _) = Keys::generate().map_err(anyhow::Error::msg)?;
    let config = Config {
        device_per_minute: 1_000_000,
        device_burst: 1_000_000,
        ..Config::default()
    };
    let state = AppState::new(db.clone(), keys, config, Clock::system());
    quetma_server::app::prepare(&state).await?;
    let now = state.now_ms();
    println!(
        "QuetMa bench — PostgreSQL {}",
        db.query("SHOW server_version", &[]).await?[0].text(0)?
    );

    // Venues (straight into the table: registration is not what is measured).
    db.exec("DELETE FROM venues WHERE id LIKE 'B-%'", &[])
        .await
        .ok();
    db.exec(
        "INSERT INTO venues (id, name, address, ward_code, category, default_stay_minutes, poster_kid, \
         poster_text, issued_at, created_at) SELECT 'B-' || i, 'Bench ' || i, '', 100 + i % 50, 'shop', 30, \
         'K', '', 0, 0 FROM generate_series(0, $1) AS i ON CONFLICT DO NOTHING",
        &[quetma_server::db::Value::Int(i64::try_from(args.venues)? - 1)],
    )
    .await?;
    db.batch("ANALYZE venues").await?;

    // 1. HTTP ingest.
    reset(&db).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = quetma_server::app::router(state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let pool = Arc::new(sealed_pool(&state.keys)?);
    let kid = state.keys.signing.kid().as_str().to_owned();
    let batches = args.http_rows.div_ceil(BATCH);
    let per_client = batches.div_ceil(args.clients.max(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients.max(1) {
        let pool = pool.clone();
        let kid = kid.clone();
        let venues = args.venues;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn {
                r: BufReader::new(tokio::net::TcpStream::connect(addr).await?),
            };
            let device = format!("BENCHDEVICE{c:08}");
            let mut sent = 0u64;
            for b in 0..per_client {
                let base = (c * per_client + b) * BATCH;
                if base >= batches * BATCH {
                    break;
                }
                // A phone's batch: visits to a handful of venues.
                let visits: Vec<VisitUpload> = (0..BATCH)
                    .map(|i| {
                        let n = base + i;
                        let start = now - i64::try_from(n % 1440).unwrap_or(0) * MIN - MIN;
                        VisitUpload {
                            client_id: format!("h-{n}"),
                            venue_id: format!("B-{}", (base / BATCH * 7 + i % 5) % venues),
                            poster_kid: kid.clone(),
                            started_at: start,
                            ended_at: Some(start + 20 * MIN),
                            planned_end: start + 30 * MIN,
                            cancelled: false,
                            contact: pool[usize::try_from(n % 64).unwrap_or(0)].clone(),
                        }
                    })
                    .collect();
                let body = serde_json::to_vec(&UploadBatch {
                    sent_at: now,
                    visits,
                    visitors: vec![],
                })?;
                let (status, resp) = conn.post("/api/v1/uploads", &device, &body).await?;
                if status != 200 {
                    bail!(
                        "upload answered {status}: {}",
                        String::from_utf8_lossy(&resp)
                    );
                }
                let r: UploadResponse = serde_json::from_slice(&resp)?;
                if !r.rejected.is_empty() {
                    bail!("rejected: {:?}", r.rejected.first());
                }
                sent += u64::try_from(r.accepted.len())?;
            }
            Ok::<u64, anyhow::Error>(sent)
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await??;
    }
    let http_secs = started.elapsed().as_secs_f64();
    server.abort();
    let stored = count(&db).await?;
    let http_rate = sent as f64 / http_secs;
    println!(
        "HTTP ingest: {sent} check-ins in {http_secs:.2} s = {http_rate:.0} rows/s ({} clients, batches of {BATCH}; {stored} rows stored)",
        args.clients
    );

    // 2. COPY of the same rows.
    reset(&db).await?;
    let mut csv = String::with_capacity(usize::try_from(sent)? * 200);
    for n in 0..sent {
        let start = now - i64::try_from(n % 1440)? * MIN - MIN;
        let c = &pool[usize::try_from(n % 64)?];
        csv.push_str(&format!(
            "B-{},h-{n},app,{start},{},{},{kid},{},{},{},{now}\n",
            (n / BATCH * 7 + n % 5) % args.venues,
            start + 20 * MIN,
            start + 30 * MIN,
            c.kid,
            c.enc,
            c.ct
        ));
    }
    let pg = db.pg_pool().context("postgres")?;
    let started = Instant::now();
    {
        let mut conn = pg.acquire().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY checkins (venue_id, client_id, source, started_at, ended_at, planned_end, poster_kid, \
                 contact_kid, contact_enc, contact_ct, received_at) FROM STDIN (FORMAT csv)",
            )
            .await?;
        copy.send(csv.as_bytes()).await?;
        copy.finish().await?;
    }
    let copy_secs = started.elapsed().as_secs_f64();
    let copy_rate = sent as f64 / copy_secs;
    println!("COPY:        {sent} check-ins in {copy_secs:.2} s = {copy_rate:.0} rows/s");
    println!(
        "ratio HTTP / COPY = {:.3} (COPY is {:.1}× faster)",
        http_rate / copy_rate,
        copy_rate / http_rate
    );

    // 3. Tracing query at scale.
    reset(&db).await?;
    let started = Instant::now();
    let span = 20 * DAY_MS;
    db.exec(
        "INSERT INTO checkins (venue_id, client_id, source, started_at, ended_at, planned_end, poster_kid, \
         contact_kid, contact_enc, contact_ct, received_at) \
         SELECT 'B-' || (i % $1), 'g-' || i, 'app', $2 - (i * 7919 % $3), $2 - (i * 7919 % $3) + 1200000, \
         $2 - (i * 7919 % $3) + 1800000, 'K', 'K', 'ENC', 'CT', $2 FROM generate_series(1, $4) AS i",
        &[
            quetma_server::db::Value::Int(i64::try_from(args.venues)?),
            quetma_server::db::Value::Int(now - DAY_MS),
            quetma_server::db::Value::Int(span),
            quetma_server::db::Value::Int(i64::try_from(args.trace_rows)?),
        ],
    )
    .await?;
    // Generated rows bypass the upload path: record their longest stay (30 min) on the venues.
    db.exec(
        "UPDATE venues SET max_stay_ms = GREATEST(max_stay_ms, 1800000) WHERE id LIKE 'B-%'",
        &[],
    )
    .await?;
    db.batch("ANALYZE checkins").await?;
    println!(
        "trace table: {} rows over {} days and {} venues, generated in {:.1} s",
        count(&db).await?,
        span / DAY_MS,
        args.venues,
        started.elapsed().as_secs_f64()
    );
    let window = Window {
        venue_id: "B-42".into(),
        start: now - 3 * DAY_MS,
        end: now - 3 * DAY_MS + 4 * 60 * MIN,
    };
    let tail = state.config.trace_tail_ms;
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..21 {
        let t = Instant::now();
        found = query_window(&state, &window, tail, MIN).await?.len();
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let max = times.last().copied().unwrap_or(Duration::ZERO);
    println!(
        "trace query (one venue, 4 h window + 30 min tail): {found} contacts, median {:.2} ms, max {:.2} ms over 21 runs",
        median.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
    let longest = db
        .query(
            "SELECT max_stay_ms FROM venues WHERE id = $1",
            &[window.venue_id.clone().into()],
        )
        .await?
        .first()
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let bounds = quetma_core::exposure::OverlapRule::new(tail, MIN)
        .candidate_bounds(window.start, window.end);
    let plan = db
        .query(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT client_id, started_at, COALESCE(ended_at, planned_end), contact_kid, \
             contact_enc, contact_ct FROM checkins WHERE venue_id = $1 AND started_at >= $2 \
             AND started_at <= $3 AND COALESCE(ended_at, planned_end) >= $4",
            &[
                window.venue_id.clone().into(),
                (bounds.end_at_least - longest).into(),
                bounds.start_at_most.into(),
                bounds.end_at_least.into(),
            ],
        )
        .await?;
    println!("EXPLAIN ANALYZE:");
    for r in plan {
        println!("  {}", r.text(0)?);
    }
    reset(&db).await?;
    Ok(ExitCode::SUCCESS)
}
