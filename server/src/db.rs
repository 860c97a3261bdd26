//! The database layer: one small enum over the two backends.
//!
//! SQLite (the zero-set-up default) goes through `rusqlite` on one connection behind an async
//! mutex; PostgreSQL (production) through a `sqlx` pool. Why not `sqlx::Any`: `sqlx-sqlite`
//! links an older `libsqlite3-sys` than the one `quetma-core` already links (SQLCipher, through
//! `rusqlite`), and a binary can link only one. The enum is small: statements are written once
//! with `$1` placeholders in the SQL both engines share, [`Value`]s go in and [`Row`]s come out;
//! the few places where the dialects differ (DDL, partitions, `COPY`) branch on [`Backend`].

use std::sync::Arc;

use sqlx_core::column::Column as _;
use sqlx_core::executor::Executor as _;
use sqlx_core::row::Row as _;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_core::type_info::TypeInfo as _;
use sqlx_core::value::ValueRef as _;
use sqlx_postgres::{PgPool, PgPoolOptions, Postgres};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub mod schema;

/// A database error.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx_core::Error),
    /// A column did not hold what the code expected.
    #[error("column {0}: unexpected type or NULL")]
    Column(usize),
    /// The database URL is not one we know.
    #[error("unsupported database URL (use sqlite://FILE or postgres://…)")]
    BadUrl,
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl DbError {
    /// Whether this is a unique-constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Self::Postgres(sqlx_core::Error::Database(e)) => e.code().as_deref() == Some("23505"),
            _ => false,
        }
    }

    /// Whether PostgreSQL aborted the transaction for a deadlock or a serialization failure:
    /// the whole transaction can be run again.
    pub fn is_transient_conflict(&self) -> bool {
        match self {
            Self::Postgres(sqlx_core::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }
}

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file (or memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A value bound to or read from a statement. Typed NULLs keep PostgreSQL's parameter types
/// right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// BIGINT.
    Int(i64),
    /// TEXT.
    Text(String),
    /// NULL BIGINT.
    NullInt,
    /// NULL TEXT.
    NullText,
    /// A NULL read back.
    Null,
    /// `text[]` (PostgreSQL only: bulk statements with `UNNEST`).
    TextArray(Vec<String>),
    /// `bigint[]` with NULLs (PostgreSQL only).
    IntArray(Vec<Option<i64>>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Int(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Self::NullInt, Self::Int)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Self::NullText, Self::Text)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Self::NullText, |s| Self::Text(s.to_owned()))
    }
}

/// Builds a `[Value; N]` from anything that converts.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { [$($crate::db::Value::from($v)),*] };
}

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as an integer.
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(*v),
            _ => Err(DbError::Column(i)),
        }
    }
    /// Column `i` as an integer or NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(Some(*v)),
            Some(Value::Null | Value::NullInt | Value::NullText) => Ok(None),
            _ => Err(DbError::Column(i)),
        }
    }
    /// Column `i` as text.
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(v.clone()),
            _ => Err(DbError::Column(i)),
        }
    }
    /// Column `i` as text or NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(Some(v.clone())),
            Some(Value::Null | Value::NullInt | Value::NullText) => Ok(None),
            _ => Err(DbError::Column(i)),
        }
    }
    /// Column `i` as a flag (0 / 1).
    pub fn flag(&self, i: usize) -> Result<bool, DbError> {
        Ok(self.int(i)? != 0)
    }
}

/// A handle on the database (cheap to clone).
#[derive(Clone)]
pub enum Db {
    /// SQLite: one connection; statements are short, WAL keeps readers of the file happy.
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    /// PostgreSQL pool.
    Postgres(PgPool),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.backend())
    }
}

/// `$1` → `?1` for SQLite (no statement of ours has a `$` in a literal).
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Int(i) => V::Integer(*i),
        Value::Text(s) => V::Text(s.clone()),
        Value::NullInt | Value::NullText | Value::Null => V::Null,
        Value::TextArray(_) | Value::IntArray(_) => V::Null,
    }
}

fn sqlite_exec(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<u64, DbError> {
    let mut stmt = conn.prepare_cached(&sqlite_sql(sql))?;
    let n = stmt.execute(rusqlite::params_from_iter(params.iter().map(to_sqlite)))?;
    Ok(n as u64)
}

fn sqlite_query(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>, DbError> {
    use rusqlite::types::ValueRef;
    let mut stmt = conn.prepare_cached(&sqlite_sql(sql))?;
    let cols = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(to_sqlite)))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(cols);
        for i in 0..cols {
            row.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Int(v as i64),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
            });
        }
        out.push(Row(row));
    }
    Ok(out)
}

type PgQuery<'q> = sqlx_core::query::Query<'q, Postgres, sqlx_postgres::PgArguments>;

fn pg_query<'q>(sql: &str, params: &[Value]) -> PgQuery<'q> {
    let mut q = sqlx_core::query::query::<Postgres>(AssertSqlSafe(sql.to_owned()));
    for p in params {
        q = match p {
            Value::Int(i) => q.bind(*i),
            Value::Text(s) => q.bind(s.clone()),
            Value::NullInt => q.bind(None::<i64>),
            Value::NullText | Value::Null => q.bind(None::<String>),
            Value::TextArray(v) => q.bind(v.clone()),
            Value::IntArray(v) => q.bind(v.clone()),
        };
    }
    q
}

fn pg_row(r: &sqlx_postgres::PgRow) -> Result<Row, DbError> {
    let mut row = Vec::with_capacity(r.len());
    for i in 0..r.len() {
        let raw = r.try_get_raw(i)?;
        if raw.is_null() {
            row.push(Value::Null);
            continue;
        }
        let ty = r.column(i).type_info().name().to_owned();
        row.push(match ty.as_str() {
            "INT8" => Value::Int(r.try_get::<i64, _>(i)?),
            "INT4" => Value::Int(i64::from(r.try_get::<i32, _>(i)?)),
            "INT2" => Value::Int(i64::from(r.try_get::<i16, _>(i)?)),
            "BOOL" => Value::Int(i64::from(r.try_get::<bool, _>(i)?)),
            "FLOAT8" => Value::Int(r.try_get::<f64, _>(i)? as i64),
            _ => Value::Text(r.try_get::<String, _>(i)?),
        });
    }
    Ok(Row(row))
}

impl Db {
    /// Opens `url`: `sqlite://FILE` (created if missing), `sqlite::memory:`, or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            return Ok(Self::Postgres(pool));
        }
        let conn = if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            rusqlite::Connection::open_in_memory()?
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| DbError::Other(e.to_string()))?;
            }
            rusqlite::Connection::open(path)?
        } else {
            return Err(DbError::BadUrl);
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )?;
        Ok(Self::Sqlite(Arc::new(Mutex::new(conn))))
    }

    /// Which engine.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The PostgreSQL pool, if that is the engine.
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match self {
            Self::Postgres(p) => Some(p),
            Self::Sqlite(_) => None,
        }
    }

    /// Runs a statement; rows affected.
    pub async fn exec(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self {
            Self::Sqlite(c) => sqlite_exec(&*c.lock().await, sql, params),
            Self::Postgres(p) => Ok(pg_query(sql, params).execute(p).await?.rows_affected()),
        }
    }

    /// Runs a query; all rows.
    pub async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match self {
            Self::Sqlite(c) => sqlite_query(&*c.lock().await, sql, params),
            Self::Postgres(p) => pg_query(sql, params)
                .fetch_all(p)
                .await?
                .iter()
                .map(pg_row)
                .collect(),
        }
    }

    /// Runs a query; the first row, if any.
    pub async fn query_opt(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    /// Runs several `;`-separated statements without parameters (DDL).
    pub async fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Self::Sqlite(c) => Ok(c.lock().await.execute_batch(sql)?),
            Self::Postgres(p) => {
                p.execute(AssertSqlSafe(sql.to_owned())).await?;
                Ok(())
            }
        }
    }

    /// Starts a transaction (SQLite: `BEGIN IMMEDIATE`, holding the connection).
    pub async fn begin(&self) -> Result<Tx, DbError> {
        match self {
            Self::Sqlite(c) => {
                let guard = c.clone().lock_owned().await;
                guard.execute_batch("BEGIN IMMEDIATE")?;
                Ok(Tx::Sqlite(Some(guard)))
            }
            Self::Postgres(p) => Ok(Tx::Postgres(Some(Box::new(p.begin().await?)))),
        }
    }
}

/// An open transaction; dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    /// SQLite connection held for the transaction.
    Sqlite(Option<OwnedMutexGuard<rusqlite::Connection>>),
    /// PostgreSQL transaction.
    Postgres(Option<Box<sqlx_core::transaction::Transaction<'static, Postgres>>>),
}

impl Tx {
    fn sqlite(&self) -> Result<&rusqlite::Connection, DbError> {
        match self {
            Self::Sqlite(Some(g)) => Ok(g),
            _ => Err(DbError::Other("transaction finished".into())),
        }
    }

    fn pg(
        &mut self,
    ) -> Result<&mut sqlx_core::transaction::Transaction<'static, Postgres>, DbError> {
        match self {
            Self::Postgres(Some(t)) => Ok(t),
            _ => Err(DbError::Other("transaction finished".into())),
        }
    }

    /// Runs a statement; rows affected.
    pub async fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self {
            Self::Sqlite(_) => sqlite_exec(self.sqlite()?, sql, params),
            Self::Postgres(_) => {
                let t = self.pg()?;
                Ok(pg_query(sql, params)
                    .execute(&mut **t)
                    .await?
                    .rows_affected())
            }
        }
    }

    /// Runs a query; all rows.
    pub async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match self {
            Self::Sqlite(_) => sqlite_query(self.sqlite()?, sql, params),
            Self::Postgres(_) => {
                let t = self.pg()?;
                pg_query(sql, params)
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(pg_row)
                    .collect()
            }
        }
    }

    /// Runs several `;`-separated statements without parameters (DDL) in the transaction.
    pub async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Self::Sqlite(_) => Ok(self.sqlite()?.execute_batch(sql)?),
            Self::Postgres(_) => {
                let t = self.pg()?;
                (&mut **t).execute(AssertSqlSafe(sql.to_owned())).await?;
                Ok(())
            }
        }
    }

    /// Runs a query; the first row, if any.
    pub async fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    /// Commits.
    pub async fn commit(mut self) -> Result<(), DbError> {
        match &mut self {
            Self::Sqlite(g) => {
                if let Some(g) = g.take() {
                    g.execute_batch("COMMIT")?;
                }
                Ok(())
            }
            Self::Postgres(t) => {
                if let Some(t) = t.take() {
                    t.commit().await?;
                }
                Ok(())
            }
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Self::Sqlite(Some(g)) = self
            && !g.is_autocommit()
        {
            let _ = g.execute_batch("ROLLBACK");
        }
    }
}
