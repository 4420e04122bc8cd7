//! Paths of every plugin and test plugin, built for wasm32-wasip2 by this crate's build
//! script. Host tests, benchmarks and the SDK test kit use these constants.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
