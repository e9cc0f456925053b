//! One `briefbot run` per SQLite file. SQLite has no replicas: two processes on one file would
//! each apply the platforms' rate limits alone, and the second would hand back the first
//! one's claims at start as if they were left by a crash. The lock is the operating system's
//! (`flock` on a file beside the database), so it is released when its holder dies, however
//! it dies — no stale lock to clean up by hand.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RunLockError {
    #[error(
        "another briefbot run is using {database} ({holder}); stop it first, or use PostgreSQL to run several"
    )]
    Held { database: String, holder: String },
    #[error("cannot lock {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// Held for as long as this process runs the scheduler on the file.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the run lock of the SQLite database at `url`, saying who holds it when another
/// process does. `None` for an in-memory database, which no other process can open.
pub fn lock(url: &str, holder: &str) -> Result<Option<RunLock>, RunLockError> {
    let Some(database) = sqlite_file(url) else {
        return Ok(None);
    };
    let path = PathBuf::from(format!("{}.run-lock", database.display()));
    let io = |source| RunLockError::Io {
        path: path.clone(),
        cause: source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut held_by = String::new();
            let _ = file.read_to_string(&mut held_by);
            let held_by = held_by.trim();
            return Err(RunLockError::Held {
                database: database.display().to_string(),
                holder: if held_by.is_empty() {
                    "holder unknown".to_string()
                } else {
                    held_by.to_string()
                },
            });
        }
        Err(TryLockError::Error(error)) => return Err(io(error)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    let started = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC");
    write!(file, "worker {holder}, started {started}").map_err(io)?;
    file.flush().map_err(io)?;
    Ok(Some(RunLock { _file: file, path }))
}

/// The file a `sqlite:` URL names, or `None` for an in-memory database or another backend.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.trim().strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let file = rest.split('?').next().unwrap_or_default();
    if file.is_empty() || file.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_file_is_refused_with_the_holder_and_freed_on_drop() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
        let first = lock(&url, "host-1")
            .expect("lock")
            .expect("a file database");
        match lock(&url, "host-2") {
            Err(RunLockError::Held { holder, .. }) => {
                assert!(holder.contains("host-1"), "{holder}")
            }
            other => panic!("{other:?}"),
        }
        drop(first);
        assert!(lock(&url, "host-2").expect("free again").is_some());
        assert!(lock("sqlite::memory:", "x").expect("memory").is_none());
        assert!(lock("postgres://h/db", "x").expect("postgres").is_none());
    }
}
