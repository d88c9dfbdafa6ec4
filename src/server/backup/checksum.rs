//! A backup's checksum file, in `sha256sum`'s format (`HEX  NAME`), so a person
//! can check a copy with the standard tool on any machine as well as with
//! `folio restore`.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where the checksum of `file` is kept: beside it, with `.sha256` added.
pub fn path_of(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// The SHA-256 of the file's bytes, in lower-case hex.
pub fn of_file(file: &Path) -> std::io::Result<String> {
    let mut reader = std::fs::File::open(file)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the checksum file for `file` and returns the checksum.
pub fn write(file: &Path) -> std::io::Result<String> {
    let sum = of_file(file)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    std::fs::write(path_of(file), format!("{sum}  {name}\n"))?;
    Ok(sum)
}

/// Why a file does not match its checksum file.
#[derive(Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// There is no checksum file beside it (or it cannot be read).
    Missing(PathBuf),
    /// The checksum file does not hold a SHA-256 in hex.
    Unreadable(PathBuf),
    /// The bytes have changed since the checksum was written.
    Differs { expected: String, actual: String },
}

/// Checks `file` against its checksum file.
pub fn verify(file: &Path) -> Result<String, Mismatch> {
    let sum_path = path_of(file);
    let written = std::fs::read_to_string(&sum_path).map_err(|_| Mismatch::Missing(sum_path.clone()))?;
    let expected = written.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Mismatch::Unreadable(sum_path));
    }
    let actual = of_file(file).map_err(|_| Mismatch::Missing(file.to_path_buf()))?;
    if actual == expected { Ok(actual) } else { Err(Mismatch::Differs { expected, actual }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("folio-checksum-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("copy.sqlite")
    }

    #[test]
    fn the_checksum_is_sha256_in_sha256sums_format() {
        let file = scratch("known");
        std::fs::write(&file, b"abc").unwrap();
        let sum = write(&file).unwrap();
        // The SHA-256 of "abc" from FIPS 180-2's examples.
        assert_eq!(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(std::fs::read_to_string(path_of(&file)).unwrap(), format!("{sum}  copy.sqlite\n"));
        assert_eq!(verify(&file), Ok(sum));
    }

    #[test]
    fn a_changed_byte_or_a_missing_or_garbled_sum_is_refused() {
        let file = scratch("changed");
        std::fs::write(&file, b"ledger").unwrap();
        write(&file).unwrap();
        std::fs::write(&file, b"ledgeR").unwrap();
        assert!(matches!(verify(&file), Err(Mismatch::Differs { .. })));
        std::fs::write(path_of(&file), "not a sum\n").unwrap();
        assert!(matches!(verify(&file), Err(Mismatch::Unreadable(_))));
        std::fs::remove_file(path_of(&file)).unwrap();
        assert!(matches!(verify(&file), Err(Mismatch::Missing(_))));
    }
}
