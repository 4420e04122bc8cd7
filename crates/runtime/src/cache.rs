//! The compiled-artifact cache: Cranelift runs once per (component content, engine
//! compatibility), so a restart with an unchanged plugin set compiles nothing.
//!
//! Files are `<cache dir>/<sha256 of the wasm>-<engine key>.cwasm`, written to a temporary
//! name, synced and renamed, so neither a crash nor a power cut leaves a half-written
//! artifact under the final name.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where artifacts live, and the engine they belong to.
#[derive(Clone)]
pub struct ArtifactCache {
    dir: Option<PathBuf>,
    engine_key: String,
}

/// Whether a load compiled or came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheOutcome {
    /// Loaded from a cached artifact.
    Hit,
    /// Compiled (and stored, when the cache has a folder).
    Compiled,
}

impl ArtifactCache {
    /// A cache in `dir` (`None` compiles every time) for artifacts of `engine`.
    pub fn new(dir: Option<PathBuf>, engine: &Engine) -> ArtifactCache {
        ArtifactCache {
            dir,
            engine_key: super::engine::compatibility_key(engine),
        }
    }

    fn path_for(&self, content_hash: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{content_hash}-{}.cwasm", self.engine_key)))
    }

    /// The component for `wasm` (whose hex SHA-256 is `content_hash`), from the cache or
    /// compiled now.
    pub fn load(
        &self,
        engine: &Engine,
        wasm: &[u8],
        content_hash: &str,
    ) -> anyhow::Result<(Component, CacheOutcome)> {
        if let Some(path) = self.path_for(content_hash)
            && path.exists()
        {
            // SAFETY: only this host writes into the cache folder, the file name binds the
            // artifact to this engine's compatibility hash, and wasmtime checks the
            // artifact's header against the engine before using it.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(e) => tracing::warn!(
                    message = "Discarding an unreadable compiled artifact.",
                    path = %path.display(),
                    error = %e
                ),
            }
        }
        let compiled = engine
            .precompile_component(wasm)
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
        if let Some(path) = self.path_for(content_hash)
            && let Err(e) = write_atomically(&path, &compiled)
        {
            tracing::warn!(
                message = "Cannot store a compiled artifact; it will be compiled again next time.",
                path = %path.display(),
                error = %e
            );
        }
        // SAFETY: the bytes were produced by `precompile_component` of this engine just now.
        let component = unsafe { Component::deserialize(engine, &compiled) }
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
        Ok((component, CacheOutcome::Compiled))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("artifact path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    // Synced before the rename: after a power cut the final name holds the whole artifact
    // or nothing, never pages that were not written yet (the artifact is mapped as code).
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    write().with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}
