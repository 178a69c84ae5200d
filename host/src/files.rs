//! Reading files an operator names (lane components, the manifest, the configuration, import
//! files) without hanging or running out of memory: only regular files are read, a FIFO is
//! opened without blocking and then refused, and every read is bounded by a size cap checked
//! before the data is read.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` for reading if it is a regular file. A FIFO, socket, device (`/dev/zero`) or
/// directory is refused with an error that says so; opening never blocks.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let kind = kind_of(&meta);
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {kind}, not a regular file"),
        ));
    }
    Ok(file)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting forever.
    // It has no effect on reading a regular file.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// The error for a file over its cap.
fn too_large(size: u64, max: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "it is {}, larger than the {} this file may be",
            crate::units::ByteSize(size).approx(),
            crate::units::ByteSize(max)
        ),
    )
}

/// The whole of regular file `path`, refused before reading if it is larger than `max` bytes.
pub fn read_bytes(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let size = file.metadata()?.len();
    if size > max {
        return Err(too_large(size, max));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // The file may grow while it is read: never take more than the cap.
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64, max));
    }
    Ok(bytes)
}

/// Like [`read_bytes`], as UTF-8 text.
pub fn read_text(path: &Path, max: u64) -> io::Result<String> {
    let bytes = read_bytes(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The first `n` bytes of `file` (fewer if it is shorter), leaving it positioned after them.
pub fn read_head(file: &mut File, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    file.by_ref().take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A reader that fails once more than `max_total` bytes were read, or a line grew longer than
/// `max_line` bytes: what keeps an import streamed from stdin (or a file of zeros) bounded.
pub struct Bounded<R> {
    inner: R,
    max_total: u64,
    max_line: usize,
    total: u64,
    line: usize,
    line_no: u64,
}

impl<R: Read> Bounded<R> {
    /// Wraps `inner`.
    pub fn new(inner: R, max_total: u64, max_line: usize) -> Bounded<R> {
        Bounded {
            inner,
            max_total,
            max_line,
            total: 0,
            line: 0,
            line_no: 1,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        if self.total > self.max_total {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the input is larger than {}",
                    crate::units::ByteSize(self.max_total)
                ),
            ));
        }
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line = 0;
                self.line_no += 1;
            } else {
                self.line += 1;
                if self.line > self.max_line {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "line {} is longer than {}: this is not a list of profiles",
                            self.line_no,
                            crate::units::ByteSize(self.max_line as u64)
                        ),
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// Creates directory `dir` (and its parents) if needed and makes it private to its owner
/// (mode 0700): the data directory holds the sealed password and all CRM data. A directory
/// that was more open is tightened, with a warning.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        // New directories are private from the start: only one made more open earlier is
        // tightened (and warned about).
        builder.mode(0o700);
    }
    builder.create(dir)?;
    restrict(dir, 0o700)
}

/// Makes the existing file `path` private to its owner (mode 0600), with a warning if it was
/// readable by others. A missing file is fine.
pub fn private_file(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(_) => restrict(path, 0o600),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates `path` empty with mode 0600 if it does not exist, so that SQLite (which gives its
/// `-wal` and `-shm` files the database's mode) never makes a readable database.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` to `path` atomically (a temporary file renamed over it) with mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        tracing::warn!(
            "{} was readable by others (mode {current:o}): making it private ({mode:o})",
            path.display()
        );
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// The permission bits of `path` (for tests and `outlane status`).
#[cfg(unix)]
pub fn mode_of(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_fifos_are_refused_without_blocking() {
        let e = read_bytes(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = read_bytes(dir.path(), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Without O_NONBLOCK this open would wait for a writer forever.
        let e = read_bytes(&fifo, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
    }

    #[test]
    fn private_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&data).unwrap();
        assert_eq!(mode_of(&data).unwrap(), 0o700);
        let db = data.join("x.db");
        create_private_file(&db).unwrap();
        assert_eq!(mode_of(&db).unwrap(), 0o600);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_file(&db).unwrap();
        assert_eq!(mode_of(&db).unwrap(), 0o600);
        private_file(&data.join("absent")).unwrap();
        // A new directory, parents included, is private from the start.
        let nested = data.join("cache/components");
        private_dir(&nested).unwrap();
        assert_eq!(mode_of(&nested).unwrap(), 0o700);
        assert_eq!(mode_of(&data.join("cache")).unwrap(), 0o700);
        let out = data.join("cache.bin");
        write_private(&out, b"abc").unwrap();
        assert_eq!(mode_of(&out).unwrap(), 0o600);
        assert_eq!(std::fs::read(&out).unwrap(), b"abc");
    }

    #[test]
    fn sizes_are_checked_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 4096]).unwrap();
        let e = read_bytes(&big, 1024).unwrap_err();
        assert!(e.to_string().contains("larger than the 1KiB"), "{e}");
        assert_eq!(read_bytes(&big, 4096).unwrap().len(), 4096);
        std::fs::write(&big, [0xff, 0xfe]).unwrap();
        assert!(
            read_text(&big, 10)
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
    }

    #[test]
    fn bounded_reader_stops_long_lines_and_long_inputs() {
        let mut out = Vec::new();
        let e = Bounded::new(std::io::repeat(0).take(1 << 20), 1 << 30, 1000)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(e.to_string().contains("line 1 is longer"), "{e}");
        let lines = "a\n".repeat(1000);
        let e = Bounded::new(lines.as_bytes(), 100, 10)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(e.to_string().contains("larger than 100B"), "{e}");
        let mut ok = String::new();
        Bounded::new("a\nb\n".as_bytes(), 100, 10)
            .read_to_string(&mut ok)
            .unwrap();
        assert_eq!(ok, "a\nb\n");
    }
}
