//! The set of plugins loaded from the plugin folder, kept in step with it.
//!
//! Each sub-folder with a `plugin.toml` is one plugin. A rescan compares each folder's
//! fingerprint (size and modification time of the manifest and component) with what is
//! loaded: new folders load, changed ones reload, removed ones unload. A plugin that fails
//! to load is reported with its error while the others keep serving; when a new version of
//! a loaded plugin fails, the old version stays in service. Two folders whose manifests
//! claim the same id are both refused, and a loaded one is unloaded, until one is left:
//! which folder wins must not depend on which loaded first, or the winner would change with
//! every restart. Callers hold an `Arc<Plugin>`, so a call in flight finishes on the version
//! it started with.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::instance::{Description, Plugin};
use super::manifest::{Manifest, ManifestError, PluginKind};
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
    /// Refused because another folder claims the same id: tried again once it does not.
    duplicate: bool,
}

#[derive(Default)]
struct State {
    plugins: HashMap<String, Arc<Plugin>>,
    folders: BTreeMap<PathBuf, Entry>,
    /// Connections by id: the plugin version each was made from, and the connection.
    connected: HashMap<String, (Arc<Plugin>, Arc<Plugin>)>,
    /// Connections that are not served, and why.
    unconnected: BTreeMap<String, LoadError>,
}

impl State {
    /// The plugin or connection served under `id` (a plugin that connections run is not).
    fn served(&self, runtime: &Runtime, id: &str) -> Option<&Arc<Plugin>> {
        self.connected
            .get(id)
            .map(|(_, c)| c)
            .or_else(|| self.plugins.get(id).filter(|_| !runtime.is_connected(id)))
    }

    /// Everything served, plugins and connections.
    fn all_served<'a>(&'a self, runtime: &'a Runtime) -> impl Iterator<Item = &'a Arc<Plugin>> {
        self.plugins
            .iter()
            .filter(|(id, _)| !runtime.is_connected(id))
            .map(|(_, p)| p)
            .chain(self.connected.values().map(|(_, c)| c))
    }
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
    /// What it loaded without (optional secrets not granted), and how to grant it.
    pub warnings: Vec<String>,
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

    /// The plugin or connection served under `id`, if loaded. A plugin that connections
    /// run is served only through them.
    pub fn get(&self, id: &str) -> Option<Arc<Plugin>> {
        self.read().served(&self.runtime, id).cloned()
    }

    /// Ids of every plugin and connection served, sorted.
    pub fn ids(&self) -> Vec<String> {
        let state = self.read();
        let mut ids: Vec<String> = state
            .all_served(&self.runtime)
            .map(|p| p.id().to_string())
            .collect();
        ids.sort();
        ids
    }

    /// Every plugin and connection of `kind` served, sorted by id.
    pub fn of_kind(&self, kind: super::PluginKind) -> Vec<Arc<Plugin>> {
        let state = self.read();
        let mut found: Vec<Arc<Plugin>> = state
            .all_served(&self.runtime)
            .filter(|p| p.manifest.kind == kind)
            .cloned()
            .collect();
        found.sort_by(|a, b| a.id().cmp(b.id()));
        found
    }

    /// Why each connection that is not served is not (none when every one is).
    pub fn connection_errors(&self) -> Vec<LoadError> {
        self.read().unconnected.values().cloned().collect()
    }

    /// Every folder with its state, then every connection.
    pub fn statuses(&self) -> Vec<PluginStatus> {
        let state = self.read();
        let connections = self.runtime.connections().iter().map(|c| {
            let served = state.connected.get(&c.id).map(|(_, p)| p);
            let folder = state
                .plugins
                .get(&c.plugin)
                .and_then(|p| p.manifest.file.parent().map(Path::to_path_buf))
                .unwrap_or_default();
            PluginStatus {
                folder,
                id: Some(c.id.clone()),
                kind: served.map(|p| p.manifest.kind),
                contract: served.map(|p| p.manifest.contract.clone()),
                content_hash: served.map(|p| p.content_hash.clone()),
                description: served.map(|p| p.description.clone()),
                error: state.unconnected.get(&c.id).map(ToString::to_string),
                warnings: served.map(|p| p.warnings.clone()).unwrap_or_default(),
            }
        });
        let folders: Vec<PluginStatus> = state
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
                    warnings: plugin.map(|p| p.warnings.clone()).unwrap_or_default(),
                }
            })
            .collect();
        folders.into_iter().chain(connections).collect()
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
        let scanned: Vec<Scanned> = plugin_folders(&self.dir)
            .into_iter()
            .map(Scanned::read)
            .collect();
        let duplicates = duplicated_ids(&scanned);

        // Removed folders.
        let gone: Vec<PathBuf> = self
            .read()
            .folders
            .keys()
            .filter(|f| !scanned.iter().any(|s| s.folder == **f))
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

        for Scanned {
            folder,
            manifest,
            print,
        } in scanned
        {
            let manifest_path = folder.join(MANIFEST);
            let duplicate = manifest
                .as_ref()
                .ok()
                .and_then(|m| duplicates.get(&m.id).map(|folders| (m.id.clone(), folders)));
            if let Some((id, folders)) = duplicate {
                // Both copies are refused, whichever loaded first: the same on every start.
                let error = LoadError {
                    file: manifest_path,
                    message: duplicate_message(&id, folders),
                };
                let mut state = self.write();
                let entry = state.folders.get(&folder);
                if entry.is_some_and(|e| e.fingerprint == print && e.error.as_ref() == Some(&error))
                {
                    continue;
                }

                let previous_id = entry.and_then(|e| e.id.clone());
                if let Some(old) = previous_id {
                    remove_if_from(&mut state.plugins, &old, &folder);
                    tracing::warn!(message = "Plugin unloaded: its id is used twice.", plugin = %old);
                    report.removed.push(old);
                }
                report.failed.push(error.clone());
                state.folders.insert(
                    folder,
                    Entry {
                        fingerprint: print,
                        id: None,
                        error: Some(error),
                        duplicate: true,
                    },
                );
                continue;
            }
            let wanted = manifest.as_ref().ok().map(|m| m.id.clone());
            let unchanged = {
                let state = self.read();
                state.folders.get(&folder).is_some_and(|e| {
                    let held_elsewhere = |id: &String| {
                        state
                            .folders
                            .iter()
                            .any(|(f, other)| *f != folder && other.id.as_ref() == Some(id))
                    };
                    e.fingerprint == print
                        && (!e.duplicate || wanted.as_ref().is_some_and(held_elsewhere))
                })
            };
            if unchanged {
                continue;
            }
            let loaded = match manifest {
                Ok(manifest) => self.runtime.load(manifest).await,
                Err(e) => Err(e.into()),
            };
            let mut state = self.write();
            let previous_id = state.folders.get(&folder).and_then(|e| e.id.clone());
            match loaded {
                Ok(plugin) => {
                    let id = plugin.manifest.id.clone();
                    // Another folder may still serve an older version under this id (its
                    // newest version failed to load): it keeps it until that is settled.
                    let taken_elsewhere = state
                        .folders
                        .iter()
                        .find(|(f, e)| **f != folder && e.id.as_deref() == Some(id.as_str()))
                        .map(|(f, _)| f.clone());
                    if let Some(other) = taken_elsewhere {
                        let error = LoadError {
                            file: manifest_path.clone(),
                            message: duplicate_message(&id, &[other, folder.clone()]),
                        };
                        report.failed.push(error.clone());
                        state.folders.insert(
                            folder,
                            Entry {
                                fingerprint: print,
                                id: previous_id,
                                error: Some(error),
                                duplicate: true,
                            },
                        );
                        continue;
                    }
                    if let Some(old) = previous_id.as_ref().filter(|old| **old != id) {
                        remove_if_from(&mut state.plugins, old, &folder);
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
                            duplicate: false,
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
                            duplicate: false,
                        },
                    );
                }
            }
        }
        self.reconnect(&mut report).await;
        report
    }

    /// Bring the connections in line with the plugins they run: made anew from a plugin
    /// that loaded or changed, dropped when it is gone.
    async fn reconnect(&self, report: &mut ScanReport) {
        for connection in self.runtime.connections() {
            let (base, current) = {
                let state = self.read();
                let base = state.plugins.get(&connection.plugin).cloned();
                let current = state.connected.get(&connection.id).map(|(b, _)| b.clone());
                (base, current)
            };
            let outcome = match &base {
                None => Err(connection.error(format!(
                    "the plugin is not loaded from {} (no folder there has this id, or \
                     its folder failed to load)",
                    self.dir.display()
                ))),
                // A connection may take its plugin's own id (its first shop keeps the
                // hook it had); not another plugin's.
                Some(_)
                    if connection.id != connection.plugin
                        && self.read().plugins.contains_key(&connection.id) =>
                {
                    Err(connection.error(format!(
                        "its id is another plugin's in {}; give the connection another",
                        self.dir.display()
                    )))
                }
                Some(base) if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, base)) => continue,
                Some(base) => self
                    .runtime
                    .connect(base, connection)
                    .await
                    .map(|c| (base.clone(), Arc::new(c))),
            };
            let mut state = self.write();
            match outcome {
                Ok(made) => {
                    let replaced = state
                        .connected
                        .insert(connection.id.clone(), made)
                        .is_some();
                    state.unconnected.remove(&connection.id);
                    if replaced {
                        report.replaced.push(connection.id.clone());
                    } else {
                        report.added.push(connection.id.clone());
                    }
                }
                Err(error) => {
                    if state.connected.remove(&connection.id).is_some() {
                        report.removed.push(connection.id.clone());
                    }
                    if state.unconnected.get(&connection.id) != Some(&error) {
                        report.failed.push(error.clone());
                    }
                    state.unconnected.insert(connection.id.clone(), error);
                }
            }
        }
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

/// One plugin folder as a scan found it.
struct Scanned {
    folder: PathBuf,
    manifest: Result<Manifest, ManifestError>,
    print: Fingerprint,
}

impl Scanned {
    fn read(folder: PathBuf) -> Scanned {
        let manifest_path = folder.join(MANIFEST);
        let manifest = Manifest::load(&manifest_path);
        let mut files: Vec<&Path> = vec![&manifest_path];
        if let Ok(m) = &manifest {
            files.push(&m.component);
        }
        let print = fingerprint(&files);
        Scanned {
            folder,
            manifest,
            print,
        }
    }
}

/// Ids that more than one folder's manifest claims, with those folders (sorted).
fn duplicated_ids(scanned: &[Scanned]) -> BTreeMap<String, Vec<PathBuf>> {
    let mut by_id: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for s in scanned {
        if let Ok(m) = &s.manifest {
            by_id
                .entry(m.id.clone())
                .or_default()
                .push(s.folder.clone());
        }
    }
    by_id.retain(|_, folders| folders.len() > 1);
    by_id
}

fn duplicate_message(id: &str, folders: &[PathBuf]) -> String {
    let names: Vec<String> = folders.iter().map(|f| f.display().to_string()).collect();
    format!(
        "`plugin.id` {id:?} is the id of more than one plugin folder: {}. None of them loads \
         until only one is left: remove the others, or give each its own `plugin.id`",
        names.join(", ")
    )
}

/// Unload `id` if the version loaded came from `folder` (another folder may have taken
/// the id over since).
fn remove_if_from(plugins: &mut HashMap<String, Arc<Plugin>>, id: &str, folder: &Path) {
    if plugins
        .get(id)
        .is_some_and(|p| p.manifest.file.parent() == Some(folder))
    {
        plugins.remove(id);
    }
}

/// Sub-folders of `dir` with a `plugin.toml` of any kind (one that is not a regular file is
/// reported when it fails to load, not passed over), sorted.
fn plugin_folders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && std::fs::symlink_metadata(p.join(MANIFEST)).is_ok())
        .collect();
    folders.sort();
    folders
}
