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
    /// `soak`: a bounded run against a live server (default: the ingest and tracing figures).
    #[command(subcommand)]
    pub mode: Option<BenchMode>,
    /// PostgreSQL URL of a scratch database (its check-in tables are emptied and filled).
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Check-ins sent through the HTTP API (and then through COPY). A million: shorter runs
    /// swing with whatever else the machine does.
    #[arg(long, default_value_t = 1_000_000)]
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
    /// Skip the ingest part (only the tracing query).
    #[arg(long)]
    pub no_ingest: bool,
    /// Skip the tracing part (only ingest).
    #[arg(long)]
    pub no_trace: bool,
}

/// Other bench modes.
#[derive(clap::Subcommand)]
pub enum BenchMode {
    /// Simulated phones and scanners at a steady rate against a live `quetma serve`, restarted
    /// in the middle; checks every acknowledged item is stored exactly once, prints RSS.
    Soak(super::soak::SoakArgs),
}

const BATCH: u64 = 500;
const MIN: i64 = 60_000;

/// A tiny HTTP/1.1 keep-alive client: POST JSON, read the answer (Content-Length bodies only).
pub struct Conn {
    r: BufReader<tokio::net::TcpStream>,
}

impl Conn {
    /// Connects.
    pub async fn connect(addr: std::net::SocketAddr) -> Result<Self> {
        Ok(Self {
            r: BufReader::new(tokio::net::TcpStream::connect(addr).await?),
        })
    }

    /// POSTs a JSON body as a device; the status and the answer's body.
    pub async fn post(&mut self, path: &str, device: &str, body: &[u8]) -> Result<(u16, Vec<u8>)> {
        self.post_as(path, device, None, body).await
    }

    /// POSTs a JSON body as a device, with a bearer token if given.
    pub async fn post_as(
        &mut self,
        path: &str,
        device: &str,
        bearer: Option<&str>,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>)> {
        let auth = bearer
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n{DEVICE_HEADER}: {device}\r\n{auth}Content-Length: {}\r\n\r\n",
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

/// Sealed contact records to reuse (sealing is the phone's work, not the server's).
pub fn sealed_pool(keys: &Keys) -> Result<Vec<SealedContactJson>> {
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
    let url = args
        .database_url
        .clone()
        .context("--database-url (or DATABASE_URL) is needed")?;
    if let Some(BenchMode::Soak(s)) = &args.mode {
        return super::soak::soak(&url, s);
    }
    if !url.starts_with("postgres") {
        bail!("the benchmark needs PostgreSQL (--database-url postgres://…)");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(&url, args))
}

/// The `q`-quantile of sorted durations, ms.
pub fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// The statements PostgreSQL spent its time on (`pg_stat_statements`, when the server preloads
/// it: `QUETMA_PG_OPTS='-c shared_preload_libraries=pg_stat_statements'`).
async fn statement_profile(db: &Db) -> Result<()> {
    let rows = db
        .query(
            "SELECT calls::bigint, round(total_exec_time)::bigint, round(total_plan_time)::bigint, \
             rows::bigint, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements \
             WHERE query NOT ILIKE '%pg_stat_statements%' ORDER BY total_exec_time + total_plan_time DESC LIMIT 8",
            &[],
        )
        .await?;
    println!("PostgreSQL time by statement (HTTP ingest; pg_stat_statements):");
    println!(
        "  {:>7} {:>8} {:>8} {:>9}  statement",
        "calls", "exec ms", "plan ms", "rows"
    );
    for r in rows {
        println!(
            "  {:>7} {:>8} {:>8} {:>9}  {}",
            r.int(0)?,
            r.int(1)?,
            r.int(2)?,
            r.int(3)?,
            r.text(4)?
        );
    }
    Ok(())
}

async fn run(url: &str, args: &BenchArgs) -> Result<ExitCode> {
    let db = Db::connect(url).await?;
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
        "QuetMa bench — PostgreSQL {} (fsync={}, synchronous_commit={}, shared_buffers={})",
        db.query("SHOW server_version", &[]).await?[0].text(0)?,
        db.query("SHOW fsync", &[]).await?[0].text(0)?,
        db.query("SHOW synchronous_commit", &[]).await?[0].text(0)?,
        db.query("SHOW shared_buffers", &[]).await?[0].text(0)?,
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
    if !args.no_ingest {
        ingest(&state, args, now).await?;
    }
    if !args.no_trace {
        trace(&state, args, now).await?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The visit `n` of the ingest run (the HTTP and the COPY side send the same rows).
fn bench_visit(
    n: u64,
    venues: u64,
    now: i64,
    kid: &str,
    pool: &[SealedContactJson],
) -> VisitUpload {
    let start = now - i64::try_from(n % 1440).unwrap_or(0) * MIN - MIN;
    VisitUpload {
        client_id: format!("h-{n}"),
        // A phone's batch: visits to a handful of venues.
        venue_id: format!("B-{}", (n / BATCH * 7 + n % 5) % venues),
        poster_kid: kid.to_owned(),
        started_at: start,
        ended_at: Some(start + 20 * MIN),
        planned_end: start + 30 * MIN,
        cancelled: false,
        contact: pool[usize::try_from(n % 64).unwrap_or(0)].clone(),
    }
}

async fn ingest(state: &AppState, args: &BenchArgs, now: i64) -> Result<()> {
    let db = &state.db;
    // 1. HTTP ingest. The request bodies are made before the clock starts, as the COPY side's
    // CSV is: both sides time only the database's intake of ready data.
    reset(db).await?;
    let profiled = db
        .batch(
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()",
        )
        .await
        .is_ok();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = quetma_server::app::router(state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let pool = Arc::new(sealed_pool(&state.keys)?);
    let kid = state.keys.signing.kid().as_str().to_owned();
    let batches = args.http_rows.div_ceil(BATCH);
    let clients = args.clients.max(1);
    let per_client = batches.div_ceil(clients);
    let mut bodies: Vec<Vec<Vec<u8>>> = Vec::new();
    for c in 0..clients {
        let mut mine = Vec::new();
        for b in 0..per_client {
            let base = (c * per_client + b) * BATCH;
            if base >= batches * BATCH {
                break;
            }
            let visits = (base..base + BATCH)
                .map(|n| bench_visit(n, args.venues, now, &kid, &pool))
                .collect();
            mine.push(serde_json::to_vec(&UploadBatch {
                sent_at: now,
                visits,
                visitors: vec![],
            })?);
        }
        bodies.push(mine);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, mine) in bodies.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let device = format!("BENCHDEVICE{c:08}");
            let mut sent = 0u64;
            let mut latencies = Vec::with_capacity(mine.len());
            for body in mine {
                let t = Instant::now();
                let (status, resp) = conn.post("/api/v1/uploads", &device, &body).await?;
                latencies.push(t.elapsed());
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
            Ok::<(u64, Vec<Duration>), anyhow::Error>((sent, latencies))
        }));
    }
    let mut sent = 0;
    let mut latencies = Vec::new();
    for t in tasks {
        let (n, l) = t.await??;
        sent += n;
        latencies.extend(l);
    }
    let http_secs = started.elapsed().as_secs_f64();
    server.abort();
    latencies.sort();
    let stored = count(db).await?;
    let http_rate = sent as f64 / http_secs;
    println!(
        "HTTP ingest: {sent} check-ins in {http_secs:.2} s = {http_rate:.0} rows/s ({clients} clients, batches of {BATCH}; {stored} rows stored)"
    );
    println!(
        "upload latency (batch of {BATCH}): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} uploads",
        quantile_ms(&latencies, 0.5),
        quantile_ms(&latencies, 0.99),
        quantile_ms(&latencies, 1.0),
        latencies.len()
    );
    if profiled && let Err(e) = statement_profile(db).await {
        println!("(no statement profile: {e})");
    }

    // 2. COPY of the same rows, one stream, one transaction.
    reset(db).await?;
    let mut csv = String::with_capacity(usize::try_from(sent)? * 200);
    for n in 0..sent {
        let v = bench_visit(n, args.venues, now, &kid, &pool);
        csv.push_str(&format!(
            "{},{},app,{},{},{},{},{},{},{},{now}\n",
            v.venue_id,
            v.client_id,
            v.started_at,
            v.ended_at.unwrap_or(v.planned_end),
            v.planned_end,
            v.poster_kid,
            v.contact.kid,
            v.contact.enc,
            v.contact.ct
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
    reset(db).await?;
    Ok(())
}

/// The check-in tables' index definitions (dropped for the bulk load, made again after).
async fn checkin_indexes(db: &Db) -> Result<Vec<(String, String)>> {
    db.query(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'checkins'",
        &[],
    )
    .await?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?)))
    .collect()
}

async fn trace(state: &AppState, args: &BenchArgs, now: i64) -> Result<()> {
    let db = &state.db;
    // 3. Tracing query at scale: rows made with COPY (streamed in chunks) into the bare table,
    // its indexes built after, as a bulk load is done.
    reset(db).await?;
    let span = 20 * DAY_MS;
    quetma_server::db::schema::ensure_partitions(db, now - DAY_MS - span, now).await?;
    let indexes = checkin_indexes(db).await?;
    for (name, _) in &indexes {
        db.batch(&format!("DROP INDEX IF EXISTS {name}")).await?;
    }
    let started = Instant::now();
    let pg = db.pg_pool().context("postgres")?;
    {
        let mut conn = pg.acquire().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY checkins (venue_id, client_id, source, started_at, ended_at, planned_end, poster_kid, \
                 contact_kid, contact_enc, contact_ct, received_at) FROM STDIN (FORMAT text)",
            )
            .await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(4);
        let rows = args.trace_rows;
        let venues = args.venues;
        let maker = tokio::task::spawn_blocking(move || {
            use std::fmt::Write as _;
            let mut chunk = String::with_capacity(8 << 20);
            for i in 1..=rows {
                // Spread over 20 days and the venues, as `generate_series` did before.
                let start = now - DAY_MS - (i as i64).wrapping_mul(7919).rem_euclid(span);
                let _ = writeln!(
                    chunk,
                    "B-{}\tg-{i}\tapp\t{start}\t{}\t{}\tK\tK\tENC\tCT\t{now}",
                    i % venues,
                    start + 1_200_000,
                    start + 1_800_000
                );
                if chunk.len() > (8 << 20) - 256 {
                    if tx.blocking_send(std::mem::take(&mut chunk)).is_err() {
                        return;
                    }
                    chunk.reserve(8 << 20);
                }
            }
            let _ = tx.blocking_send(chunk);
        });
        while let Some(chunk) = rx.recv().await {
            copy.send(chunk.into_bytes()).await?;
        }
        maker.await?;
        copy.finish().await?;
    }
    let copied = started.elapsed().as_secs_f64();
    for (_, def) in &indexes {
        // `pg_indexes` spells a partitioned index `ON ONLY` (the parent alone): build it on
        // every partition.
        db.batch(&def.replacen(" ON ONLY ", " ON ", 1)).await?;
    }
    let indexed = started.elapsed().as_secs_f64();
    // Generated rows bypass the upload path: record their longest stay (30 min) on the venues.
    db.exec(
        "UPDATE venues SET max_stay_ms = GREATEST(max_stay_ms, 1800000) WHERE id LIKE 'B-%'",
        &[],
    )
    .await?;
    db.batch("ANALYZE checkins").await?;
    let size = db
        .query(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))::bigint) FROM pg_inherits i \
             JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'checkins'",
            &[],
        )
        .await?[0]
        .text(0)?;
    println!(
        "trace table: {} rows over {} days and {} venues: COPY {copied:.1} s ({:.0} rows/s), indexes {:.1} s, \
         total with ANALYZE {:.1} s; {size} with indexes",
        count(db).await?,
        span / DAY_MS,
        args.venues,
        args.trace_rows as f64 / copied,
        indexed - copied,
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
    // The first run is cold (nothing of the venue cached); the rest warm.
    for k in 0..21 {
        let w = Window {
            venue_id: if k == 0 {
                "B-4242".into()
            } else {
                window.venue_id.clone()
            },
            ..window.clone()
        };
        let t = Instant::now();
        let n = query_window(state, &w, tail, MIN).await?.len();
        let e = t.elapsed();
        if k == 0 {
            println!(
                "trace query, first run (venue B-4242, not cached before): {n} contacts, {:.2} ms",
                e.as_secs_f64() * 1000.0
            );
        } else {
            found = n;
            times.push(e);
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    let max = times.last().copied().unwrap_or(Duration::ZERO);
    println!(
        "trace query (one venue, 4 h window + 30 min tail): {found} contacts, median {:.2} ms, max {:.2} ms over 20 runs",
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
    reset(db).await?;
    Ok(())
}
