//! The one wasmtime `Engine` the gateway runs every plugin on, and the thread that
//! advances its epoch.

use std::time::Duration;

use anyhow::Context as _;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. Every guest yields to the async runtime at least this
/// often, and CPU budgets are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Bytes of each linear memory reset with memset (kept resident) when its slot is freed.
const RESIDENT_MEMORY_BYTES: usize = 2 << 20;
/// Bytes of each table kept resident likewise.
const RESIDENT_TABLE_BYTES: usize = 64 << 10;
/// Freed slots whose remaining pages are decommitted together.
const DECOMMIT_BATCH: usize = 16;

/// Engine-wide settings (per-call limits live in [`super::Limits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    /// Try the pooling allocator (falls back to on-demand allocation where it cannot be set up).
    pub pooling: bool,
    /// Instances that may run at once (pool slots); callers wait for a free slot.
    pub max_concurrent_instances: u32,
    /// The largest memory any plugin may be granted; per-plugin caps must not exceed it.
    pub max_memory_bytes: u64,
    /// The largest table any plugin may be granted.
    pub max_table_elements: u32,
    /// Wasm stack per call, bytes. Engine-wide: wasmtime cannot vary it per store.
    pub max_stack_bytes: usize,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            pooling: true,
            max_concurrent_instances: 128,
            max_memory_bytes: 256 << 20,
            max_table_elements: 100_000,
            max_stack_bytes: 512 << 10,
        }
    }
}

/// An engine and what it was built with.
pub struct BuiltEngine {
    /// The engine.
    pub engine: Engine,
    /// Whether the pooling allocator is in use.
    pub pooling: bool,
}

fn base_config(settings: &EngineSettings) -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .max_wasm_stack(settings.max_stack_bytes)
        // Hostile plugins must not be able to spend host memory on backtraces.
        .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(32))
        .cranelift_opt_level(wasmtime::OptLevel::Speed);
    // For profiling plugins with `perf`: name the compiled guest functions in
    // /tmp/perf-<pid>.map (BENCHMARKS.md, plugin runtime, says how it was used).
    if std::env::var_os("HELLOWORD_WASM_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config
}

/// Build the engine: pooling where the machine allows it, on-demand otherwise.
pub fn build(settings: &EngineSettings) -> anyhow::Result<BuiltEngine> {
    if settings.pooling {
        let slots = settings.max_concurrent_instances;
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(slots)
            .total_core_instances(slots * 8)
            .total_memories(slots * 2)
            .total_tables(slots * 4)
            .total_stacks(slots)
            .max_memories_per_component(4)
            .max_tables_per_component(8)
            .max_core_instances_per_component(16)
            .max_memory_size(settings.max_memory_bytes as usize)
            .table_elements(settings.max_table_elements as usize)
            // Every call gets a fresh instance, so slot reuse is the hot path. Resetting a
            // plugin's small memory with memset instead of madvise, and batching the
            // madvise calls that remain, avoids a TLB shootdown across cores per call
            // (measured in BENCHMARKS.md, ingest).
            .linear_memory_keep_resident(RESIDENT_MEMORY_BYTES)
            .table_keep_resident(RESIDENT_TABLE_BYTES)
            .decommit_batch_size(DECOMMIT_BATCH)
            // Where the kernel can say which pages a call touched (Linux 6.7+), only those
            // are reset: 3.5 µs less per call (BENCHMARKS.md, plugin runtime).
            .pagemap_scan(Enabled::Auto);
        let mut config = base_config(settings);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        match Engine::new(&config) {
            Ok(engine) => {
                return Ok(BuiltEngine {
                    engine,
                    pooling: true,
                });
            }
            Err(e) => tracing::warn!(
                message = "Pooling allocator unavailable; falling back to on-demand instances.",
                error = %e
            ),
        }
    }
    let engine = Engine::new(&base_config(settings))
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("cannot create the wasm engine")?;
    Ok(BuiltEngine {
        engine,
        pooling: false,
    })
}

/// Advance the engine's epoch every [`EPOCH_TICK`] on a plain thread (not a tokio worker),
/// until the engine is dropped.
pub fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("helloword-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}

/// A key that changes whenever this engine could not load another build's artifacts.
pub fn compatibility_key(engine: &Engine) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
