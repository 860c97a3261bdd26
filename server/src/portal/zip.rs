//! One download with every poster of a bulk upload: a ZIP of stored entries (the PDFs inside
//! are already compressed), written by the `zip` crate (ZIP64 when an archive passes 4 GiB).

use std::io::{Cursor, Write as _};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// Builds a ZIP archive of `(file name, bytes)` entries.
pub fn stored_zip(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, zip::result::ZipError> {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let large = u32::try_from(data.len()).is_err();
        writer.start_file(name.as_str(), options.large_file(large))?;
        writer.write_all(data)?;
    }
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Read as _;

    use super::*;

    #[test]
    fn every_entry_reads_back() {
        let entries = vec![
            ("poster-a.pdf".to_owned(), b"%PDF-1 one".to_vec()),
            ("poster-b.pdf".to_owned(), b"%PDF-1 two!".to_vec()),
        ];
        let bytes = stored_zip(&entries).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 2);
        for (name, data) in &entries {
            let mut file = archive.by_name(name).unwrap();
            assert_eq!(file.compression(), CompressionMethod::Stored);
            let mut back = Vec::new();
            file.read_to_end(&mut back).unwrap();
            assert_eq!(&back, data);
        }
    }
}
