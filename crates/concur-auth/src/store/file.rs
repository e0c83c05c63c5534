//! `refreshTokenObjectFile.json`, hardened.
//!
//! Same file and format as the SAP tutorials, so an existing setup keeps working,
//! plus what the tutorials skip: every save is atomic (temp file in the same
//! folder, fsync, rename, fsync the folder) with mode 0600; a sibling
//! `<file>.lock` carries an advisory lock so that processes on one host refresh
//! one at a time; a symlink planted in place of the file is refused; a corrupt
//! file is moved aside and reported, never overwritten.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{StoreLease, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::token::{unix_now, TokenRecord};

/// A token file larger than this is not a token file.
const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// [`TokenStore`] over one JSON file.
#[derive(Clone, Debug)]
pub struct FileStore {
    path: Arc<PathBuf>,
    /// A temporary file created and sized by [`TokenStore::prepare_save`],
    /// which the next save writes into (so it cannot run out of space).
    prepared: Arc<std::sync::Mutex<Option<PathBuf>>>,
    /// Leases this store (and its clones) hold now: only a writer holding the
    /// lease moves a corrupt file aside; readers (`status`) leave it in place.
    leases_held: Arc<AtomicUsize>,
}

/// Room reserved for the next save beyond the current record's size: a rotated
/// refresh token, a new id token or geolocation may be longer.
const SAVE_HEADROOM: u64 = 16 * 1024;

impl FileStore {
    /// A store over `path` (created on first save; its folder must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore {
            path: Arc::new(path.into()),
            prepared: Arc::default(),
            leases_held: Arc::default(),
        }
    }

    /// The token file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file beside it.
    pub fn lock_path(&self) -> PathBuf {
        sibling(&self.path, ".lock")
    }

    async fn blocking<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Path) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || job(&path))
            .await
            .map_err(|err| {
                Error::new(ErrorKind::Store, format!("token store task failed: {err}"))
            })?
    }
}

#[derive(Debug)]
struct FileLease {
    // Closing the file releases the advisory lock, also when the process dies.
    // `None` in a forked child, which never owned it (see `fork_guard`).
    file: Option<File>,
    owner_pid: u32,
    slot: Option<usize>,
    held: Arc<AtomicUsize>,
}

impl StoreLease for FileLease {}

impl Drop for FileLease {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            fork_guard::forget(slot);
        }
        self.held.fetch_sub(1, Ordering::AcqRel);
        if std::process::id() != self.owner_pid {
            // A forked child's copy: its descriptor was closed at fork; the
            // number may belong to another file by now. Never close it again.
            if let Some(file) = self.file.take() {
                std::mem::forget(file);
            }
        }
    }
}

#[async_trait]
impl TokenStore for FileStore {
    async fn load(&self) -> Result<Option<TokenRecord>> {
        let writer = self.leases_held.load(Ordering::Acquire) > 0;
        self.blocking(move |path| read_record(path, writer)).await
    }

    async fn lock(&self, wait: Duration) -> Result<Box<dyn StoreLease>> {
        let lock_path = self.lock_path();
        let file = open_lock_file(&lock_path)?;
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    use std::os::fd::AsRawFd;
                    self.leases_held.fetch_add(1, Ordering::AcqRel);
                    let slot = fork_guard::remember(file.as_raw_fd());
                    return Ok(Box::new(FileLease {
                        file: Some(file),
                        owner_pid: std::process::id(),
                        slot,
                        held: self.leases_held.clone(),
                    }));
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(err)) => {
                    return Err(Error::store("lock", &lock_path, &err))
                }
            }
            if Instant::now() >= deadline {
                return Err(Error::new(
                    ErrorKind::Store,
                    format!(
                        "timed out after {wait:?} waiting for the lock {} held by another process; if no other process is running, the holder hung: stop it",
                        lock_path.display()
                    ),
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }

    async fn save(&self, record: &TokenRecord, expected: Option<u64>) -> Result<u64> {
        let record = record.clone();
        let describe = self.describe();
        let prepared = self.prepared.lock().expect("prepared poisoned").take();
        self.blocking(move |path| {
            let current = read_record(path, true)?.map(|r| r.revision);
            if current != expected {
                if let Some(temp) = &prepared {
                    let _ = std::fs::remove_file(temp);
                }
                return Err(super::conflict(&describe, expected, current));
            }
            let revision = super::next_revision(current);
            let record = TokenRecord { revision, ..record };
            write_atomically(
                path,
                zeroize::Zeroizing::new(record.to_json()).as_bytes(),
                prepared,
            )?;
            remove_stale_temp_files(path);
            Ok(revision)
        })
        .await
    }

    async fn prepare_save(&self, current: &TokenRecord) -> Result<()> {
        let size = current.to_json().len() as u64 + SAVE_HEADROOM;
        let previous = self.prepared.lock().expect("prepared poisoned").take();
        let temp = self
            .blocking(move |path| {
                let temp = previous.unwrap_or_else(|| temp_path(path));
                reserve(&temp, size).map(|()| temp)
            })
            .await?;
        *self.prepared.lock().expect("prepared poisoned") = Some(temp);
        Ok(())
    }

    async fn clear(&self) -> Result<()> {
        self.blocking(|path| match std::fs::remove_file(path) {
            Ok(()) => sync_parent(path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(Error::store("remove", path, &err)),
        })
        .await
    }

    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }
}

/// `path` + `suffix`, in the same folder.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn refuse_symlink(path: &Path) -> Result<Option<std::fs::Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::new(
            ErrorKind::Store,
            format!(
                "{} is a symbolic link; refusing to follow it (it could send the token elsewhere). Replace it with the regular file it points to",
                path.display()
            ),
        )),
        Ok(meta) if !meta.is_file() => Err(Error::new(
            ErrorKind::Store,
            format!("{} is not a regular file", path.display()),
        )),
        Ok(meta) => Ok(Some(meta)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(Error::store("inspect", path, &err)),
    }
}

/// Reads and parses the file; `None` when it does not exist. A file that does
/// not parse is reported; a `writer` (holding the lease) also moves it aside.
fn read_record(path: &Path, writer: bool) -> Result<Option<TokenRecord>> {
    let Some(meta) = refuse_symlink(path)? else {
        return Ok(None);
    };
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "token file is readable by other users; it will be rewritten with mode 0600 at the next save");
    }
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Error::store("open", path, &err)),
    };
    // Holds the refresh token: sized to the file so it rarely regrows, wiped when dropped.
    let mut text = zeroize::Zeroizing::new(Vec::with_capacity(
        meta.len().min(MAX_FILE_SIZE + 1) as usize
    ));
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut text)
        .map_err(|err| Error::store("read", path, &err))?;
    let parsed = if text.len() as u64 > MAX_FILE_SIZE {
        Err(format!("is larger than {MAX_FILE_SIZE} bytes"))
    } else if text.iter().all(u8::is_ascii_whitespace) {
        Err("is empty".to_owned())
    } else {
        TokenRecord::from_json(&text)
    };
    match parsed {
        Ok(record) => Ok(Some(record)),
        Err(reason) if writer => Err(move_aside(path, &reason)),
        Err(reason) => Err(Error::new(
            ErrorKind::CorruptStore,
            format!(
                "token file {} {reason}; it is left in place for now (the next refresh or exchange moves it aside and keeps it). Repair it, or run the exchange again with a new company request token",
                path.display()
            ),
        )),
    }
}

/// Renames a corrupt file to `<file>.corrupt-<unix time>` and says so.
fn move_aside(path: &Path, reason: &str) -> Error {
    let mut aside = sibling(path, &format!(".corrupt-{}", unix_now()));
    if aside.exists() {
        aside = sibling(&aside, &format!("-{}", std::process::id()));
    }
    let outcome = match std::fs::rename(path, &aside) {
        Ok(()) => format!("it was moved to {}", aside.display()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            "another process already moved it aside".to_owned()
        }
        Err(err) => format!("it could not be moved aside ({err}) and was left as is"),
    };
    Error::new(
        ErrorKind::CorruptStore,
        format!(
            "token file {} {reason}; {outcome}. Repair it from there, or run the exchange again with a new company request token",
            path.display()
        ),
    )
}

fn open_lock_file(lock_path: &Path) -> Result<File> {
    refuse_symlink(lock_path)?;
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(lock_path)
        .map_err(|err| {
            Error::store("open the lock file", lock_path, &err).with_folder_hint(lock_path)
        })
}

/// A fresh temp-file name beside `path`: `<file>.tmp-<pid>-<random>`.
fn temp_path(path: &Path) -> PathBuf {
    sibling(
        path,
        &format!(".tmp-{}-{:08x}", std::process::id(), fastrand::u32(..)),
    )
}

/// Creates (or keeps) `temp`, 0600, with `size` bytes of disk actually
/// allocated and synced: a later write of up to that size cannot fail for
/// lack of space. On failure nothing is left behind.
fn reserve(temp: &Path, size: u64) -> Result<()> {
    let allocate = || -> std::io::Result<()> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(temp)?;
        allocate_blocks(&file, size)?;
        file.sync_all()
    };
    allocate().map_err(|err| {
        let _ = std::fs::remove_file(temp);
        Error::store("reserve space for the next save in", temp, &err).with_folder_hint(temp)
    })
}

/// Allocates `size` bytes of real disk blocks to `file` (not a sparse hole).
fn allocate_blocks(file: &File, size: u64) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let len = libc::off_t::try_from(size).unwrap_or(libc::off_t::MAX);
    // SAFETY: a valid open descriptor and in-range offsets.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) } {
        0 => Ok(()),
        libc::EOPNOTSUPP | libc::EINVAL => {
            // A file system without fallocate: write the zeros ourselves.
            let mut file = file;
            file.write_all(&vec![0; size as usize])?;
            file.sync_all()
        }
        code => Err(std::io::Error::from_raw_os_error(code)),
    }
}

/// Temp file in the same folder (so rename is atomic), 0600, fsync, rename over
/// the target, fsync the folder so the rename itself survives a crash. Writes
/// into `prepared` (space already reserved) when given.
fn write_atomically(path: &Path, bytes: &[u8], prepared: Option<PathBuf>) -> Result<()> {
    refuse_symlink(path)?;
    let reuse = prepared.is_some();
    let temp = prepared.unwrap_or_else(|| temp_path(path));
    let write = || -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .create_new(!reuse)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.set_len(bytes.len() as u64)?;
        file.sync_all()
    };
    if let Err(err) = write() {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::store("write", &temp, &err).with_folder_hint(&temp));
    }
    if let Err(err) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::store("replace", path, &err));
    }
    sync_parent(path)
}

/// Temp files of processes killed mid-save (`<file>.tmp-<pid>-<random>`) are
/// never read, but would pile up: remove those whose process is gone.
fn remove_stale_temp_files(path: &Path) {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let prefix = format!("{}.tmp-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        // SAFETY: kill with signal 0 only checks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn sync_parent(path: &Path) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|err| Error::store("sync the folder", parent, &err))
}

impl Error {
    /// Adds "check the folder" advice to permission and missing-folder failures.
    fn with_folder_hint(self, path: &Path) -> Self {
        // A bare file name lives in the current folder: say "." rather than nothing.
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| ".".to_owned(), |p| p.display().to_string());
        let message = format!(
            "{}; check that the folder {folder} exists, is writable by this user and has free space",
            self.message()
        );
        Error::new(self.kind(), message)
    }
}

/// A forked child must not hold its parent's lease. `flock` belongs to the
/// open file description, which fork shares: a child that lives on (Python
/// multiprocessing with fork, a C daemon) would keep the lock held after the
/// parent releases it, and everyone, the parent included, would time out.
/// Every held lock descriptor is remembered in a fixed table of atomics, and
/// a `pthread_atfork` child handler closes them (only atomics and `close`:
/// async-signal-safe). The child's `FileLease` copies then never close again.
mod fork_guard {
    use std::os::fd::RawFd;
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::Once;

    const SLOTS: usize = 64;
    const FREE: i32 = -1;
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: AtomicI32 = AtomicI32::new(FREE);
    static HELD: [AtomicI32; SLOTS] = [EMPTY; SLOTS];
    static INSTALL: Once = Once::new();

    extern "C" fn in_child() {
        for slot in &HELD {
            let fd = slot.swap(FREE, Ordering::AcqRel);
            if fd >= 0 {
                // SAFETY: closes the child's copy of a descriptor it inherited.
                unsafe { libc::close(fd) };
            }
        }
    }

    /// Remembers `fd` as a held lock; `None` when the table is full (more than
    /// 64 leases held at once in one process: then a child could keep one).
    pub(super) fn remember(fd: RawFd) -> Option<usize> {
        INSTALL.call_once(|| {
            // SAFETY: registers a handler that only touches atomics and close().
            unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
        });
        HELD.iter().position(|slot| {
            slot.compare_exchange(FREE, fd, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        })
    }

    /// The lease in `slot` is released.
    pub(super) fn forget(slot: usize) {
        HELD[slot].store(FREE, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn record(refresh: &str) -> TokenRecord {
        TokenRecord {
            refresh_token: Secret::new(refresh),
            refresh_token_expires_at: Some(unix_now() + 1000),
            geolocation: Some("https://us2.api.concursolutions.com".into()),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn saves_with_mode_0600_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("refreshTokenObjectFile.json"));
        assert_eq!(store.load().await.unwrap(), None);
        let revision = store.save(&record("r1"), None).await.unwrap();
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let loaded = store.load().await.unwrap().unwrap();
        assert_eq!(loaded.refresh_token.expose(), "r1");
        assert_eq!(loaded.revision, revision);
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[tokio::test]
    async fn compare_and_swap_refuses_a_stale_revision() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("t.json"));
        let first = store.save(&record("r1"), None).await.unwrap();
        store.save(&record("r2"), Some(first)).await.unwrap();
        let err = store.save(&record("r3"), Some(first)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        assert!(err.is_conflict(), "{err}");
        assert_eq!(
            store.load().await.unwrap().unwrap().refresh_token.expose(),
            "r2"
        );
    }

    #[tokio::test]
    async fn corrupt_file_is_moved_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, b"{\"refresh_token\": \"abc").unwrap();
        let store = FileStore::new(&path);
        // A reader reports it and leaves it alone.
        let err = store.load().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CorruptStore);
        assert!(path.exists(), "a reader never moves the file");
        // A writer holding the lease moves it aside.
        let lease = store.lock(Duration::from_secs(1)).await.unwrap();
        let err = store.load().await.unwrap_err();
        drop(lease);
        assert_eq!(err.kind(), ErrorKind::CorruptStore);
        assert!(!err.to_string().contains("abc"), "{err}");
        assert!(!path.exists());
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            std::fs::read(&aside[0]).unwrap(),
            b"{\"refresh_token\": \"abc"
        );
    }

    #[tokio::test]
    async fn a_planted_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere.json");
        std::fs::write(&target, record("r1").to_json()).unwrap();
        let path = dir.path().join("t.json");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let store = FileStore::new(&path);
        let err = store.load().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        assert!(err.message().contains("symbolic link"), "{err}");
        let err = store.save(&record("r2"), None).await.unwrap_err();
        assert!(err.message().contains("symbolic link"), "{err}");
        assert!(std::fs::read_to_string(&target).unwrap().contains("r1"));
    }

    #[tokio::test]
    async fn lock_excludes_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("t.json"));
        let held = store.lock(Duration::from_secs(1)).await.unwrap();
        let err = store.lock(Duration::from_millis(50)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        drop(held);
        store.lock(Duration::from_millis(50)).await.unwrap();
    }

    #[tokio::test]
    async fn a_forked_child_does_not_keep_the_lease() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("t.json"));
        let held = store.lock(Duration::from_secs(1)).await.unwrap();
        // SAFETY: the child only sleeps and exits (no allocation, no locks).
        let child = unsafe { libc::fork() };
        assert!(child >= 0);
        if child == 0 {
            // A long-lived child (multiprocessing with fork, a daemon).
            unsafe {
                libc::sleep(3);
                libc::_exit(0)
            };
        }
        drop(held);
        // The parent released it; the living child must not hold it.
        let again = store.lock(Duration::from_millis(500)).await;
        unsafe {
            libc::kill(child, libc::SIGKILL);
            libc::waitpid(child, std::ptr::null_mut(), 0);
        }
        again.expect("the lease is free while the forked child lives");
    }

    #[tokio::test]
    async fn unwritable_folder_is_a_store_error_and_keeps_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-folder").join("t.json");
        let store = FileStore::new(&path);
        let err = store.save(&record("r1"), None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        assert!(err.message().contains("writable"), "{err}");
    }
}
