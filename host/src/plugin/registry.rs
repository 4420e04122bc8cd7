//! The set of plugins loaded from the plugin folder, kept in step with it.
//!
//! Each sub-folder with a `plugin.toml` is one plugin. A rescan compares each folder's
//! fingerprint (size and modification time of the manifest and component) with what is
//! loaded: new folders load, changed ones reload, removed ones unload. A plugin that fails
//! to load is reported with its error while the others keep serving; when a new version of
//! a loaded plugin fails, the old version stays in service. Callers hold an `Arc<Plugin>`,
//! so a call in flight finishes on the version it started with.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::instance::{Description, Plugin};
use super::manifest::{Manifest, PluginKind};
use super::runtime::{LoadError, Runtime};

const MANIFEST: &str = "plugin.toml";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint(Vec<(u64, Option<SystemTime>)>);

fn fingerprint(files: &[&Path]) -> Fingerprint {
    Fingerprint(
        files
            .iter()
            .map(|f| match std::fs::metadata(f) {
                Ok(m) => (m.len(), m.modified().ok()),
                Err(_) => (u64::MAX, None),
            })
            .collect(),
    )
}

struct Entry {
    fingerprint: Fingerprint,
    /// The id loaded from this folder, if it loaded.
    id: Option<String>,
    error: Option<LoadError>,
}

#[derive(Default)]
struct State {
    plugins: HashMap<String, Arc<Plugin>>,
    folders: BTreeMap<PathBuf, Entry>,
}

/// One line of `plugins list`.
#[derive(Debug, Clone, Serialize)]
pub struct PluginStatus {
    /// The plugin's folder.
    pub folder: PathBuf,
    /// Its id, when the manifest could be read.
    pub id: Option<String>,
    /// Its kind, when loaded.
    pub kind: Option<PluginKind>,
    /// Contract version it was built for, when loaded.
    pub contract: Option<String>,
    /// Hex SHA-256 of the component, when loaded.
    pub content_hash: Option<String>,
    /// What `describe` said, when loaded.
    pub description: Option<Description>,
    /// Why it did not load (or why its newest version did not), if so.
    pub error: Option<String>,
}

/// What a rescan changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    /// Ids loaded for the first time.
    pub added: Vec<String>,
    /// Ids replaced by a new version.
    pub replaced: Vec<String>,
    /// Ids unloaded.
    pub removed: Vec<String>,
    /// Folders that failed to load.
    pub failed: Vec<LoadError>,
}

/// The loaded plugins of one folder.
pub struct PluginSet {
    runtime: Runtime,
    dir: PathBuf,
    state: RwLock<State>,
    // One scan at a time; calls never wait on it.
    scanning: tokio::sync::Mutex<()>,
}

impl PluginSet {
    /// Load every plugin in `dir`. A folder that fails is reported, not fatal.
    pub async fn open(runtime: Runtime, dir: PathBuf) -> Arc<PluginSet> {
        let set = Arc::new(PluginSet {
            runtime,
            dir,
            state: RwLock::new(State::default()),
            scanning: tokio::sync::Mutex::new(()),
        });
        let report = set.rescan().await;
        for failure in &report.failed {
            tracing::error!(message = "Plugin failed to load.", error = %failure);
        }
        set
    }

    /// The plugin folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The plugin with `id`, if loaded.
    pub fn get(&self, id: &str) -> Option<Arc<Plugin>> {
        self.read().plugins.get(id).cloned()
    }

    /// Ids of every loaded plugin, sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.read().plugins.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Every loaded plugin of `kind`, sorted by id.
    pub fn of_kind(&self, kind: super::PluginKind) -> Vec<Arc<Plugin>> {
        let state = self.read();
        let mut found: Vec<Arc<Plugin>> = state
            .plugins
            .values()
            .filter(|p| p.manifest.kind == kind)
            .cloned()
            .collect();
        found.sort_by(|a, b| a.id().cmp(b.id()));
        found
    }

    /// Every folder with its state.
    pub fn statuses(&self) -> Vec<PluginStatus> {
        let state = self.read();
        state
            .folders
            .iter()
            .map(|(folder, entry)| {
                let plugin = entry.id.as_ref().and_then(|id| state.plugins.get(id));
                PluginStatus {
                    folder: folder.clone(),
                    id: entry.id.clone(),
                    kind: plugin.map(|p| p.manifest.kind),
                    contract: plugin.map(|p| p.manifest.contract.clone()),
                    content_hash: plugin.map(|p| p.content_hash.clone()),
                    description: plugin.map(|p| p.description.clone()),
                    error: entry.error.as_ref().map(ToString::to_string),
                }
            })
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Bring the loaded set in line with the folder.
    pub async fn rescan(&self) -> ScanReport {
        let _one_at_a_time = self.scanning.lock().await;
        let mut report = ScanReport::default();
        let folders = plugin_folders(&self.dir);

        // Removed folders.
        let gone: Vec<PathBuf> = self
            .read()
            .folders
            .keys()
            .filter(|f| !folders.contains(f))
            .cloned()
            .collect();
        for folder in gone {
            let mut state = self.write();
            if let Some(entry) = state.folders.remove(&folder)
                && let Some(id) = entry.id
            {
                state.plugins.remove(&id);
                tracing::info!(message = "Plugin removed.", plugin = %id);
                report.removed.push(id);
            }
        }

        for folder in folders {
            let manifest_path = folder.join(MANIFEST);
            let component = Manifest::load(&manifest_path).ok().map(|m| m.component);
            let mut files: Vec<&Path> = vec![&manifest_path];
            if let Some(c) = &component {
                files.push(c);
            }
            let print = fingerprint(&files);
            let unchanged = self
                .read()
                .folders
                .get(&folder)
                .is_some_and(|e| e.fingerprint == print);
            if unchanged {
                continue;
            }
            let loaded = self.load_folder(&manifest_path).await;
            let mut state = self.write();
            let previous_id = state.folders.get(&folder).and_then(|e| e.id.clone());
            match loaded {
                Ok(plugin) => {
                    let id = plugin.manifest.id.clone();
                    let taken_elsewhere = state
                        .folders
                        .iter()
                        .any(|(f, e)| *f != folder && e.id.as_deref() == Some(id.as_str()));
                    if taken_elsewhere {
                        let error = LoadError {
                            file: manifest_path.clone(),
                            message: format!(
                                "`plugin.id` {id:?} is already used by another plugin folder; ids must be unique"
                            ),
                        };
                        report.failed.push(error.clone());
                        state.folders.insert(
                            folder,
                            Entry {
                                fingerprint: print,
                                id: previous_id,
                                error: Some(error),
                            },
                        );
                        continue;
                    }
                    if let Some(old) = previous_id.as_ref().filter(|old| **old != id) {
                        state.plugins.remove(old);
                    }
                    let replaced = state.plugins.insert(id.clone(), Arc::new(plugin)).is_some();
                    if replaced {
                        report.replaced.push(id.clone());
                    } else {
                        report.added.push(id.clone());
                    }
                    state.folders.insert(
                        folder,
                        Entry {
                            fingerprint: print,
                            id: Some(id),
                            error: None,
                        },
                    );
                }
                Err(error) => {
                    report.failed.push(error.clone());
                    // An older version that loaded keeps serving.
                    state.folders.insert(
                        folder,
                        Entry {
                            fingerprint: print,
                            id: previous_id,
                            error: Some(error),
                        },
                    );
                }
            }
        }
        report
    }

    async fn load_folder(&self, manifest_path: &Path) -> Result<Plugin, LoadError> {
        let manifest = Manifest::load(manifest_path)?;
        self.runtime.load(manifest).await
    }

    /// Rescan every `interval` until `shutdown` resolves.
    pub fn watch(
        self: &Arc<Self>,
        interval: Duration,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let set = self.clone();
        let mut shutdown = shutdown;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = shutdown.changed() => return,
                }
                let report = set.rescan().await;
                for id in &report.added {
                    tracing::info!(message = "Plugin added.", plugin = %id);
                }
                for id in &report.replaced {
                    tracing::info!(message = "Plugin replaced by a new version.", plugin = %id);
                }
                for failure in &report.failed {
                    tracing::error!(message = "Plugin failed to load.", error = %failure);
                }
            }
        })
    }
}

/// Sub-folders of `dir` that hold a manifest, sorted.
fn plugin_folders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(MANIFEST).is_file())
        .collect();
    folders.sort();
    folders
}
