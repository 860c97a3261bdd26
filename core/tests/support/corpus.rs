//! The shared QR photo corpus (`shared/qr-corpus`, see its SOURCES.md): where it is, which
//! images it holds and what each should decode to. Used by `tests/scan_corpus.rs` and
//! `benches/scan_corpus.rs`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// One corpus image with its expected text.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Set folder, e.g. `zxing-qrcode-1`.
    pub set: String,
    /// File name, e.g. `7.png`.
    pub name: String,
    /// Full path.
    pub path: PathBuf,
    /// The text of `<stem>.txt`, byte for byte.
    pub expected: String,
    /// A structured-append part (`zxingcpp-qrcode-7/01-0N.png`): holds only part of
    /// `expected`, so a full match is impossible; counted apart.
    pub structured_part: bool,
}

/// How a decode compares with the expected text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// One decoded text equals the `.txt` exactly.
    Exact,
    /// Equal once a single trailing newline is dropped from the `.txt` (the file's line end,
    /// not part of the code).
    TrailingNewline,
    /// Something decoded, but not the expected text.
    Wrong,
    /// Nothing decoded.
    Missed,
}

impl Outcome {
    /// Counted as a success.
    pub fn ok(self) -> bool {
        matches!(self, Outcome::Exact | Outcome::TrailingNewline)
    }
}

/// Known errors in the corpus's expected texts: (set/file, the text the code holds).
///
/// `zxing-qrcode-2/13.png` and `zxingcpp-qrcode-2/13.webp` are the same photo; zxing's `.txt`
/// says "aerial photograph of", zxing-cpp's (whose test suite decodes the image) "aerial
/// photography of". Every decoder that reads the code (zxing-cpp with two binarisations, on
/// both files) returns "photography", and ZXing's own Java test does not expect to read
/// `qrcode-2/13` at all (32 of 35), so its `.txt` was never checked against a decode.
pub const ERRATA: [(&str, &str); 1] = [(
    "zxing-qrcode-2/13.png",
    "The 2005 USGS aerial photography of the Washington Monument is censored.",
)];

/// Compares decoded texts with an entry's expectation (and its [`ERRATA`] correction).
pub fn judge(entry: &Entry, texts: &[String]) -> Outcome {
    if texts.contains(&entry.expected) {
        return Outcome::Exact;
    }
    let id = format!("{}/{}", entry.set, entry.name);
    if ERRATA
        .iter()
        .any(|(e, text)| *e == id && texts.iter().any(|t| t == text))
    {
        return Outcome::Exact;
    }
    let trimmed = entry
        .expected
        .strip_suffix("\r\n")
        .or_else(|| entry.expected.strip_suffix('\n'));
    if let Some(trimmed) = trimmed
        && texts.iter().any(|t| t == trimmed)
    {
        return Outcome::TrailingNewline;
    }
    if texts.is_empty() {
        Outcome::Missed
    } else {
        Outcome::Wrong
    }
}

/// The corpus folder: `$QUETMA_QR_CORPUS`, else `<repo>/../shared/qr-corpus`.
pub fn dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QUETMA_QR_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/qr-corpus");
    p.is_dir().then_some(p)
}

/// The corpus folder, or `None` after printing why the caller should skip. Panics when it is
/// missing and `CI=true` (a CI run must not skip silently).
pub fn dir_or_skip(what: &str) -> Option<PathBuf> {
    match dir() {
        Some(d) => Some(d),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("QR corpus not found (set QUETMA_QR_CORPUS or put shared/ beside the repo)")
        }
        None => {
            eprintln!(
                "note: {what} skipped: QR corpus not found (set QUETMA_QR_CORPUS or put \
                 shared/qr-corpus beside the repository)"
            );
            None
        }
    }
}

const IMAGE_EXTS: [&str; 5] = ["png", "jpg", "jpeg", "webp", "gif"];

/// Every image of every set, sorted by set then name.
pub fn entries(dir: &Path) -> Vec<Entry> {
    let mut sets: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    let mut out = Vec::new();
    for set_dir in sets {
        let set = set_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&set_dir)
            .expect("read set dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| IMAGE_EXTS.contains(&e.to_ascii_lowercase().as_str()))
            })
            .collect();
        files.sort();
        for path in files {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let mut txt = set_dir.join(format!("{stem}.txt"));
            let mut structured_part = false;
            if !txt.is_file() {
                // Structured append: `01-02.png` is part 2 of the message in `01.txt`.
                if let Some((base, _)) = stem.split_once('-') {
                    txt = set_dir.join(format!("{base}.txt"));
                    structured_part = true;
                }
            }
            let Ok(bytes) = std::fs::read(&txt) else {
                continue;
            };
            out.push(Entry {
                set: set.clone(),
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
                expected: String::from_utf8_lossy(&bytes).into_owned(),
                structured_part,
            });
        }
    }
    out
}

/// Loads an image as 8-bit luma (transparency composited onto white, as the scanner does).
pub fn load_luma(path: &Path) -> image::GrayImage {
    let img = image::ImageReader::open(path)
        .expect("open image")
        .with_guessed_format()
        .expect("guess format")
        .decode()
        .expect("decode image");
    quetma_core::scan::to_luma(&img)
}
