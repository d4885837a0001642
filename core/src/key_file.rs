//! Reading key, certificate and certificate-bundle files: bounded in size, regular files only.
//!
//! A key path pointing at `/dev/zero` would otherwise grow memory without bound, and one pointing at a FIFO would
//! block the build forever. Keys are about 2 KB and certificate bundles a few tens of KB, so anything larger is
//! refused before it is read in full.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

/// The largest key or certificate file read: 1 MiB, far above any real key, certificate or root bundle.
pub const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a key or certificate file named by the option `field`. Refuses what is not a regular file (a device,
/// FIFO, socket or directory) without opening it, and a file above [`MAX_KEY_FILE_BYTES`]; the text is zeroed on
/// drop. The error text names the field, the path and what to do.
pub fn read_key_file(field: &str, path: &Path) -> Result<Zeroizing<String>, String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    // Checked before opening: opening a FIFO for reading blocks until a writer appears.
    let kind = std::fs::metadata(path).map_err(cannot)?.file_type();
    if !kind.is_file() {
        return Err(format!(
            "{} is not a regular file (a device, FIFO, socket or directory); give the path of the {field} file \
             itself",
            path.display()
        ));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    // Checked again on the open file, in case the path was swapped meanwhile.
    if !file.metadata().map_err(cannot)?.file_type().is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(format!(
            "{} is larger than {MAX_KEY_FILE_BYTES} bytes; a {field} file is a few KB: check the path",
            path.display()
        ));
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(_) => Err(format!(
            "{} is not text (PEM or base64); give the PEM or base64 {field} file",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_refused_without_reading() {
        let e = read_key_file("private_key", Path::new("/dev/zero")).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
    }

    #[test]
    fn a_directory_is_refused() {
        let e = read_key_file("private_key", &std::env::temp_dir()).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
