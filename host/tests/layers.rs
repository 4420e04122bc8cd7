//! The one-way rule between the gateway's layers (docs/architecture.md).
//!
//! Between crates Cargo enforces it; these tests check what Cargo cannot: that a plugin's
//! test kit stays off the gateway's store and web server, and that inside the host crate no
//! module names a module on a higher floor ([`FLOORS`]): a type or function a lower module
//! needs moves down to the layer it belongs to, never the other way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each top-level module of `host/src` and its floor, bottom (0) to top.
const FLOORS: &[(&str, u8)] = &[
    ("worker", 0),
    // Drafts, the compliance guard and translation stand on the model and the runtime; the
    // engine writes its automatic replies with them.
    ("replies", 1),
    ("tickets", 2),
    ("actions", 3),
    ("alerts", 3),
    ("reports", 3),
    ("ingest", 4),
    ("web", 5),
    ("scaffold", 5),
    ("config", 6),
    ("gateway", 7),
    ("main", 8),
    ("lib", 8),
];

fn floor(module: &str) -> Option<u8> {
    FLOORS.iter().find(|(m, _)| *m == module).map(|(_, f)| *f)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments (line comments, doc comments and block comments)
/// and without the insides of string literals.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The top-level modules a piece of code names through `crate::`: `crate::store::Store`,
/// and every first name inside `use crate::{store::Store, tickets::{..}}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut word = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_start = true,
                    c if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') => {
                        word.push(c)
                    }
                    _ => {
                        if !word.is_empty() {
                            names.insert(std::mem::take(&mut word));
                        }
                        if !c.is_whitespace() {
                            at_start = false;
                        }
                    }
                }
            }
            if !word.is_empty() {
                names.insert(word);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names
}

#[test]
fn no_host_module_names_a_module_on_a_higher_floor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut found = BTreeSet::new();
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let own = floor(&module).unwrap_or_else(|| {
            panic!("host/src/{relative}: module `{module}` has no floor in FLOORS")
        });
        let text = std::fs::read_to_string(file).unwrap();
        for named in named_modules(&code(&text)) {
            if named != module && floor(&named).is_some_and(|f| f > own) {
                found.insert((relative.clone(), named));
            }
        }
    }
    assert!(
        found.is_empty(),
        "these files name a module on a higher floor (docs/architecture.md): {found:?}; move \
         the type or function down to the layer it belongs to"
    );
}

#[test]
fn the_floor_check_sees_paths_groups_and_not_comments() {
    let text = "use crate::{store::{Store, Tree}, tickets::model::Ticket};\n\
                // crate::web::App is only mentioned\n\
                let x = crate::alerts::plan(\"crate::gateway\");\n";
    let names = named_modules(&code(text));
    let expected: BTreeSet<String> = ["store", "tickets", "alerts"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, expected);
}

/// The normal dependencies of a workspace package, every level, by crate name.
fn dependency_names(package: &str) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo tree");
    assert!(
        output.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_plugins_test_kit_builds_no_store_and_no_web_server() {
    let testkit = dependency_names("helloword-testkit");
    assert!(testkit.contains("helloword-runtime"), "{testkit:?}");
    for forbidden in [
        "helloword",
        "helloword-store",
        "sled",
        "postgres",
        "tokio-postgres",
    ] {
        assert!(
            !testkit.contains(forbidden),
            "helloword-testkit depends on {forbidden}"
        );
    }
}

/// The workspace's own crates among a package's dependencies (itself included).
fn our_crates(names: &BTreeSet<String>) -> BTreeSet<&str> {
    names
        .iter()
        .map(String::as_str)
        .filter(|name| name.starts_with("helloword"))
        .collect()
}

#[test]
fn the_model_stands_on_the_contracts_types_only() {
    let model = dependency_names("helloword-model");
    assert_eq!(
        our_crates(&model),
        BTreeSet::from(["helloword-contract", "helloword-model", "helloword-sdk"])
    );
    for forbidden in ["sled", "postgres", "hyper", "reqwest", "tokio"] {
        assert!(
            !model.contains(forbidden),
            "helloword-model depends on {forbidden}"
        );
    }
}

#[test]
fn the_store_stands_on_the_model_only() {
    let store = dependency_names("helloword-store");
    assert_eq!(
        our_crates(&store),
        BTreeSet::from([
            "helloword-contract",
            "helloword-model",
            "helloword-sdk",
            "helloword-store"
        ])
    );
    for forbidden in [
        "hyper",
        "reqwest",
        "lettre",
        "wasmtime-wasi",
        "helloword-runtime",
    ] {
        assert!(
            !store.contains(forbidden),
            "helloword-store depends on {forbidden}"
        );
    }
}

#[test]
fn the_plugin_runtime_stands_on_the_contract_and_telemetry_only() {
    let runtime = dependency_names("helloword-runtime");
    assert_eq!(
        our_crates(&runtime),
        BTreeSet::from([
            "helloword-contract",
            "helloword-runtime",
            "helloword-telemetry"
        ])
    );
    for forbidden in ["sled", "postgres", "tokio-postgres"] {
        assert!(
            !runtime.contains(forbidden),
            "helloword-runtime depends on {forbidden}"
        );
    }
}
