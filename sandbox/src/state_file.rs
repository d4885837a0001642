//! The `--state` file: one line with a snapshot of the [`World`], then one line per change made since.
//!
//! A call appends its changes as one line (a JSON array of what [`Change`] lists: the call given to the rules, its
//! count, the fault it hit; or an admin change) and flushes it to disk before it is answered, so its cost does not
//! depend on how much the world holds. Loading replays the changes through the same rules onto the snapshot. When the changes outgrow the
//! snapshot (and at least [`COMPACT_AFTER`]), the file is rewritten as one new snapshot line: a temporary file beside
//! it, flushed, then renamed over it, so at every moment the file on disk is either the old one or the new one.
//!
//! Crash safety: a call's line is on disk before its answer leaves. A process killed mid-write leaves at most a torn
//! last line, which loading ignores whole (its call was never answered); a damaged line before the last is refused.
//! Each start rewrites the file as one snapshot, so a torn line never ends up between two good ones.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::method::Method;
use crate::rules::{self, BizParams, Call};
use crate::scenario::Scenario;
use crate::state::{Catalog, World};

/// The file's layout: version 1 is a snapshot alone, version 2 a snapshot followed by change lines.
const STATE_VERSION: u32 = 2;

/// The changes are folded into a new snapshot once they are larger than the snapshot and than this.
pub(crate) const COMPACT_AFTER: u64 = 1 << 20;

/// The first line.
#[derive(Serialize, Deserialize)]
struct Snapshot<'a> {
    version: u32,
    world: Cow<'a, World>,
}

/// One change to the world, as a line of the state file. The sandbox makes each change by the call
/// [`Change::apply`] makes for it, so that replaying the lines gives the world the calls made.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub(crate) enum Change<'a> {
    /// An authenticated business call given to the rules.
    Call {
        app_id: Cow<'a, str>,
        method: Method,
        params: Cow<'a, BizParams>,
        now: SystemTime,
    },
    /// A call counted under its outcome (and its merchant's token).
    Counted {
        method: Cow<'a, str>,
        outcome: Cow<'a, str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        app_auth_token: Option<Cow<'a, str>>,
    },
    /// A fault that hit a call.
    FaultHit { method: Method, fault: Cow<'a, str> },
    /// `POST /admin/templates` (only changes that were accepted are recorded).
    TemplateChanged {
        body: Cow<'a, serde_json::Value>,
        now: SystemTime,
    },
    /// Back to the scenario's starting world.
    Reset,
}

impl Change<'_> {
    /// Makes the change: what replaying a line does, and what the live sandbox does before recording it.
    pub(crate) fn apply(&self, world: &mut World, catalog: &Catalog, scenario: &Scenario) {
        match self {
            Change::Call {
                app_id,
                method,
                params,
                now,
            } => {
                rules::apply(
                    world,
                    catalog,
                    &Call {
                        app_id,
                        method: *method,
                        params,
                        now: *now,
                    },
                );
            }
            Change::Counted {
                method,
                outcome,
                app_auth_token,
            } => world.count_call(method, outcome, app_auth_token.as_deref()),
            Change::FaultHit { method, fault } => world.count_fault(*method, fault),
            Change::TemplateChanged { body, now } => {
                // Recorded only once accepted, so it is accepted again.
                let _ = rules::templates::admin_change(world, catalog, body, *now);
            }
            Change::Reset => *world = World::from_scenario(scenario),
        }
    }
}

/// The open state file: changes recorded under the world's lock, written by [`StateFile::flush`].
pub(crate) struct StateFile {
    path: PathBuf,
    file: File,
    /// Bytes of the snapshot line, and of the change lines after it.
    snapshot_bytes: u64,
    change_bytes: u64,
    /// [`COMPACT_AFTER`] (smaller in tests).
    compact_after: u64,
    /// The changes recorded since the last flush: a JSON array without its closing bracket, or empty.
    pending: Vec<u8>,
}

impl StateFile {
    /// Opens the state file, or creates it from the scenario; answers the world it holds with every change replayed.
    /// The file is then rewritten as one snapshot, so that each run starts from a snapshot alone.
    pub(crate) fn open(
        path: &Path,
        scenario: &Scenario,
        catalog: &Catalog,
    ) -> Result<(World, StateFile), SandboxError> {
        let world = match File::open(path) {
            Ok(file) => load(path, file, scenario, catalog)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => World::from_scenario(scenario),
            Err(e) => return Err(fail(path, "read", e)),
        };
        let snapshot_bytes = write_snapshot(path, &world)?;
        let file = open_append(path)?;
        Ok((
            world,
            StateFile {
                path: path.to_owned(),
                file,
                snapshot_bytes,
                change_bytes: 0,
                compact_after: COMPACT_AFTER,
                pending: Vec::new(),
            },
        ))
    }

    /// Records a change already made to the world; it reaches the disk, on one line with the other changes of the
    /// same call, at the next [`StateFile::flush`].
    pub(crate) fn record(&mut self, change: &Change<'_>) {
        let start = self.pending.len();
        self.pending.push(if start == 0 { b'[' } else { b',' });
        if let Err(e) = serde_json::to_writer(&mut self.pending, change) {
            self.pending.truncate(start);
            tracing::error!("cannot record a change to the state file: {e}");
        }
    }

    /// Writes the recorded changes and flushes them to the disk; folds everything into a new snapshot when the
    /// changes have outgrown it.
    pub(crate) fn flush(&mut self, world: &World) -> Result<(), SandboxError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut line = std::mem::take(&mut self.pending);
        line.extend_from_slice(b"]\n");
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| fail(&self.path, "append to", e))?;
        self.change_bytes += line.len() as u64;
        if self.change_bytes > self.snapshot_bytes.max(self.compact_after) {
            self.compact(world)?;
        }
        Ok(())
    }

    /// Rewrites the file as one snapshot of the world.
    pub(crate) fn compact(&mut self, world: &World) -> Result<(), SandboxError> {
        self.snapshot_bytes = write_snapshot(&self.path, world)?;
        self.file = open_append(&self.path)?;
        self.change_bytes = 0;
        Ok(())
    }
}

fn fail(path: &Path, what: &str, e: std::io::Error) -> SandboxError {
    SandboxError::state(format!("cannot {what} state file {}: {e}", path.display()))
}

fn open_append(path: &Path) -> Result<File, SandboxError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| fail(path, "open", e))
}

/// The snapshot, then every complete change line replayed onto it.
fn load(
    path: &Path,
    file: File,
    scenario: &Scenario,
    catalog: &Catalog,
) -> Result<World, SandboxError> {
    let broken = |what: String| {
        SandboxError::state(format!(
            "state file {} is not a sandbox state ({what}); delete it to start from the scenario",
            path.display()
        ))
    };
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    reader
        .read_until(b'\n', &mut line)
        .map_err(|e| fail(path, "read", e))?;
    let snapshot: Snapshot<'static> =
        serde_json::from_slice(&line).map_err(|e| broken(e.to_string()))?;
    if !(1..=STATE_VERSION).contains(&snapshot.version) {
        return Err(SandboxError::state(format!(
            "state file {} has version {}, this sandbox reads versions 1 to {STATE_VERSION}; delete it to start over",
            path.display(),
            snapshot.version
        )));
    }
    let mut world = snapshot.world.into_owned();
    let mut number = 1;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| fail(path, "read", e))?;
        if read == 0 {
            break;
        }
        number += 1;
        // A last line without its newline was being written when the process died: its call was never answered.
        let complete = line.last() == Some(&b'\n');
        match serde_json::from_slice::<Vec<Change<'static>>>(&line) {
            Ok(changes) if complete => {
                for change in &changes {
                    change.apply(&mut world, catalog, scenario);
                }
            }
            Ok(_) => break,
            Err(_) if !complete => break,
            Err(e) => return Err(broken(format!("line {number}: {e}"))),
        }
    }
    Ok(world)
}

/// Writes a file holding only the snapshot line, atomically: a temporary file beside it, flushed, then renamed over
/// it. Answers the line's size.
fn write_snapshot(path: &Path, world: &World) -> Result<u64, SandboxError> {
    let mut text = serde_json::to_vec(&Snapshot {
        version: STATE_VERSION,
        world: Cow::Borrowed(world),
    })
    .map_err(|e| SandboxError::state(format!("cannot serialise the state: {e}")))?;
    text.push(b'\n');
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    {
        let mut f = File::create(&tmp).map_err(|e| fail(path, "create the temporary", e))?;
        f.write_all(&text)
            .and_then(|()| f.sync_all())
            .map_err(|e| fail(path, "write the temporary", e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| fail(path, "replace the", e))?;
    Ok(text.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "alipay-sandbox-state-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir.join("state.json")
    }

    fn lines(path: &Path) -> usize {
        std::fs::read_to_string(path).expect("read").lines().count()
    }

    fn count(world: &mut World, file: &mut StateFile, i: usize) {
        let token = format!("token-{}", i % 3);
        world.count_call("alipay.marketing.voucher.send", "10000", Some(&token));
        file.record(&Change::Counted {
            method: "alipay.marketing.voucher.send".into(),
            outcome: "10000".into(),
            app_auth_token: Some(token.as_str().into()),
        });
        world.count_fault(Method::VoucherSend, "throttle");
        file.record(&Change::FaultHit {
            method: Method::VoucherSend,
            fault: "throttle".into(),
        });
        file.flush(world).expect("flush");
    }

    #[test]
    fn changes_are_one_line_per_flush_and_fold_into_a_snapshot_once_they_outgrow_it() {
        let path = temp_path("compact");
        let scenario = Scenario::default();
        let catalog = Catalog::new(&scenario);
        let (mut world, mut file) = StateFile::open(&path, &scenario, &catalog).expect("open");
        assert_eq!(lines(&path), 1, "a new file is one snapshot line");
        file.compact_after = 0;
        let snapshot = file.snapshot_bytes;
        let mut compacted = false;
        for i in 0..200 {
            count(&mut world, &mut file, i);
            if lines(&path) == 1 {
                compacted = true;
                assert_eq!(file.change_bytes, 0);
                break;
            }
            assert_eq!(lines(&path), i + 2, "one line per flush, two changes on it");
        }
        assert!(compacted, "the changes outgrew a {snapshot}-byte snapshot");
        for i in 0..5 {
            count(&mut world, &mut file, i);
        }
        assert!(lines(&path) > 1);
        drop(file);
        let (loaded, _) = StateFile::open(&path, &scenario, &catalog).expect("reopen");
        assert_eq!(loaded, world, "snapshot plus changes give the same world");
        assert_eq!(
            lines(&path),
            1,
            "each start folds the changes into a snapshot"
        );
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }

    #[test]
    fn a_version_one_file_still_loads() {
        let path = temp_path("v1");
        let scenario = Scenario::default();
        let catalog = Catalog::new(&scenario);
        let mut world = World::from_scenario(&scenario);
        world.count_call("alipay.marketing.voucher.send", "10000", None);
        let v1 = serde_json::json!({"version": 1, "world": world});
        std::fs::write(&path, serde_json::to_vec(&v1).expect("json")).expect("write");
        let (loaded, _) = StateFile::open(&path, &scenario, &catalog).expect("open");
        assert_eq!(loaded, world);
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }
}
