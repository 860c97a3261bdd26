//! A minimal ZIP writer (stored entries, no compression: the PDFs inside are already
//! compressed), enough to hand a mobile team every poster of a bulk upload in one download.

/// Builds a ZIP archive of `(file name, bytes)` entries. Names are ASCII (venue ids).
pub fn stored_zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let crc = crc32fast::hash(data);
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
        out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&20u16.to_le_bytes()); // version needed
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0x21u16.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        // Extra length, comment length, disk number, internal and external attributes.
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
    let cd_size = u32::try_from(central.len()).unwrap_or(u32::MAX);
    let count = u16::try_from(entries.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], i: usize) -> usize {
        usize::from(u16::from_le_bytes([b[i], b[i + 1]]))
    }

    fn u32_at(b: &[u8], i: usize) -> usize {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize
    }

    #[test]
    fn central_directory_points_at_every_entry() {
        let entries = vec![
            ("a.pdf".to_owned(), b"%PDF-1 one".to_vec()),
            ("b.pdf".to_owned(), b"%PDF-1 two!".to_vec()),
        ];
        let z = stored_zip(&entries);
        let eocd = z.len() - 22;
        assert_eq!(u32_at(&z, eocd), 0x0605_4b50);
        assert_eq!(u16_at(&z, eocd + 10), 2);
        let mut cd = u32_at(&z, eocd + 16);
        assert_eq!(cd + u32_at(&z, eocd + 12), eocd);
        for (name, data) in &entries {
            assert_eq!(u32_at(&z, cd), 0x0201_4b50);
            assert_eq!(u32_at(&z, cd + 16), crc32fast::hash(data) as usize);
            let name_len = u16_at(&z, cd + 28);
            let local = u32_at(&z, cd + 42);
            assert_eq!(&z[cd + 46..cd + 46 + name_len], name.as_bytes());
            assert_eq!(u32_at(&z, local), 0x0403_4b50);
            let start = local + 30 + u16_at(&z, local + 26);
            assert_eq!(&z[start..start + data.len()], data.as_slice());
            cd += 46 + name_len;
        }
    }
}
