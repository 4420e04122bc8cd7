//! The example config, `docs/helloword.example.toml`, is the operator's reference, so CI holds
//! it to what it promises: it loads, its secrets resolve, the gateway's start-up checks accept
//! it, `helloword config check` passes without printing a secret, it shows every key the
//! config accepts, and every key has a comment.
//!
//! Which keys the config accepts is not listed here: the test writes an unknown key into each
//! table and reads the valid choices from the error, so a key added to the config without
//! being added to the example fails this test.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use helloword::config::{Config, Secrets};

const BIN: &str = env!("CARGO_BIN_EXE_helloword");

/// The example as the repository has it.
const EXAMPLE: &str = include_str!("../../docs/helloword.example.toml");

/// Keys the example shows only as commented-out lines (`# key = value`), and why it cannot set
/// them. Uncommented together, those lines must still make a valid config.
const COMMENTED_OUT: [(&str, &str); 8] = [
    (
        "storage.store",
        "the example runs one gateway on the embedded sled store, the default; the URL is what \
         gateways sharing a PostgreSQL database set",
    ),
    (
        "storage.password_secret",
        "goes together with a PostgreSQL `storage.store`",
    ),
    (
        "server.tls_cert",
        "the example serves plain HTTP behind a TLS-terminating proxy (`trusted_proxies`); \
         serving HTTPS itself is the alternative",
    ),
    ("server.tls_key", "goes together with `server.tls_cert`"),
    (
        "secrets.*.value",
        "secrets are set by reference only; a value written in the config is for demos and tests",
    ),
    (
        "plugins.grants.*.limits.table_elements",
        "a grant above the default is only for a plugin that asks for it, and no bundled plugin \
         asks for more table elements",
    ),
    (
        "plugins.grants.*.limits.host_call_quota",
        "no bundled plugin asks for more host calls than the default",
    ),
    (
        "plugins.grants.*.limits.max_http_response_bytes",
        "no bundled plugin asks for larger HTTP responses than the default",
    ),
];

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/helloword.example.toml")
}

/// The example copied into a temporary folder, with a made-up value for every secret it
/// references: `file` secrets written where it reads them (relative to its folder), `env`
/// secrets as variables to set.
struct Stand {
    _dir: tempfile::TempDir,
    config: PathBuf,
    /// Secret name → its value.
    values: BTreeMap<String, String>,
    /// Secret name → the environment variable it is read from.
    vars: BTreeMap<String, String>,
}

impl Stand {
    fn new() -> Stand {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("helloword.toml");
        std::fs::write(&config, EXAMPLE).unwrap();
        let loaded = Config::load(&config).unwrap_or_else(|e| panic!("{e}"));
        let mut values = BTreeMap::new();
        let mut vars = BTreeMap::new();
        for (name, source) in &loaded.secrets {
            // `assert!`, not `assert_eq!`: a failure must not print the value.
            assert!(
                source.value.is_none(),
                "`secrets.{name}` is written in the example; reference it with `env` or `file`"
            );
            // Made by the gateway (a token it fetches, credentials it joins), not read.
            if source.oauth.is_some() || source.basic.is_some() {
                continue;
            }
            // Every value reads as a webhook signing key, which the alert webhook's secret must.
            let value = format!(
                "whsec_{}",
                base64::engine::general_purpose::STANDARD.encode(format!("canary of {name}"))
            );
            if let Some(var) = &source.env {
                vars.insert(name.clone(), var.clone());
            }
            if let Some(file) = &source.file {
                assert!(
                    file.starts_with(dir.path()),
                    "`secrets.{name}` reads {}: keep the example's secret files relative to its \
                     folder, so that this test can provide them",
                    file.display()
                );
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, format!("{value}\n")).unwrap();
            }
            values.insert(name.clone(), value);
        }
        Stand {
            _dir: dir,
            config,
            values,
            vars,
        }
    }

    /// Environment variable → value, for every `env` secret.
    fn env(&self) -> BTreeMap<&str, &str> {
        self.vars
            .iter()
            .map(|(name, var)| (var.as_str(), self.values[name].as_str()))
            .collect()
    }
}

#[test]
fn the_example_loads_and_the_gateway_accepts_it() {
    Config::load(&example_path()).unwrap_or_else(|e| panic!("{e}"));

    let stand = Stand::new();
    for (var, value) in stand.env() {
        // SAFETY: only this test reads or writes these variables in this test binary, and
        // every access to the environment here goes through std, which serialises it.
        unsafe { std::env::set_var(var, value) };
    }
    let config = Config::load(&stand.config).unwrap_or_else(|e| panic!("{e}"));
    let secrets = Secrets::resolve(&config.secrets).unwrap_or_else(|e| panic!("{e}"));
    for (name, value) in &stand.values {
        assert_eq!(
            secrets.get(name),
            Some(value.as_bytes()),
            "`secrets.{name}`"
        );
    }
    for (name, source) in &config.secrets {
        if source.oauth.is_some() {
            assert!(secrets.oauth(name).is_some(), "`secrets.{name}`");
        }
        if let Some(basic) = &source.basic {
            let joined = format!(
                "{}:{}",
                stand.values[&basic.username], stand.values[&basic.password]
            );
            let expected = base64::engine::general_purpose::STANDARD.encode(joined);
            assert!(
                secrets.get(name) == Some(expected.as_bytes()),
                "`secrets.{name}` is not the HTTP Basic credentials of its two secrets"
            );
        }
    }

    // What `helloword serve` checks once the config and its secrets are read.
    helloword::tickets::EngineSettings::from_config(&config.tickets)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        helloword::web::access::ApiToken::from_config(&config.api_tokens, &secrets).len(),
        config.api_tokens.len(),
        "every token in [api.tokens] resolves"
    );
    let alerts = config
        .alerts
        .clone()
        .expect("the example configures alerts");
    let (live, _) = tokio::sync::broadcast::channel(1);
    helloword::alerts::send::Senders::new(alerts, &secrets, live).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn config_check_accepts_the_example_and_prints_no_secret() {
    let stand = Stand::new();
    let out = Command::new(BIN)
        .args(["config", "check"])
        .arg(&stand.config)
        .envs(stand.env())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("Config is valid.\n"), "{stdout}");
    for (name, value) in &stand.values {
        assert!(
            !stdout.contains(value.as_str()) && !stderr.contains(value.as_str()),
            "the value of `secrets.{name}` is printed:\n{stdout}{stderr}"
        );
    }

    // An `env` secret whose variable is not set fails the check, naming both.
    let (name, var) = stand
        .vars
        .iter()
        .next()
        .expect("the example has `env` secrets");
    let out = Command::new(BIN)
        .args(["config", "check"])
        .arg(&stand.config)
        .envs(stand.env())
        .env_remove(var)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: secret `{name}`: environment variable {var} is not set\n")
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn the_example_shows_every_key_the_config_accepts() {
    let schema = shape_at(&mut Vec::new());
    let mut accepted = BTreeSet::new();
    keys_of(&schema, &mut Vec::new(), &mut accepted);
    // The probe reaches every kind of table: nested, in arrays of tables, under free names.
    for deep in [
        "plugins.limits.cpu_ms",
        "tickets.business_hours.hours.mon",
        "tickets.agents[].hours.hours.sun",
        "tickets.agents[].contact.quiet_hours",
        "alerts.email.password_secret",
        "api.tokens.*.sha256",
        "secrets.*.oauth.client_auth",
        "polling.plugins.*",
    ] {
        assert!(
            accepted.contains(deep),
            "the probe missed `{deep}`: {accepted:#?}"
        );
    }

    let written = keys_in(EXAMPLE, &schema);
    let alternatives = with_alternatives(EXAMPLE);
    Config::parse(&example_path(), &alternatives).unwrap_or_else(|e| {
        panic!("the example's commented-out settings, uncommented, do not load: {e}")
    });
    let commented: BTreeSet<String> = keys_in(&alternatives, &schema)
        .difference(&written)
        .cloned()
        .collect();
    let expected: BTreeSet<String> = COMMENTED_OUT.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(
        commented, expected,
        "the keys the example shows only commented out are not those COMMENTED_OUT explains"
    );

    let missing: Vec<&String> = accepted
        .iter()
        .filter(|key| !written.contains(*key) && !commented.contains(*key))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/helloword.example.toml does not show {missing:?}: add each with a comment saying \
         what it does, its default and its unit"
    );
    let unknown: Vec<&String> = written.difference(&accepted).collect();
    assert!(unknown.is_empty(), "the probe did not find {unknown:?}");
}

#[test]
fn every_key_in_the_example_has_a_comment() {
    let mut bare = Vec::new();
    let mut previous = "";
    for (number, line) in EXAMPLE.lines().enumerate() {
        let code = line.trim();
        let documented = previous.trim_start().starts_with('#') || has_trailing_comment(code);
        if (code.starts_with('[') || is_key_line(code)) && !documented {
            bare.push(format!("line {}: {line}", number + 1));
        }
        previous = line;
    }
    assert!(
        bare.is_empty(),
        "these lines of docs/helloword.example.toml have no comment above or after them: \
         {bare:#?}"
    );
}

/// One step of a key's path in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A fixed key.
    Key(String),
    /// Any entry of a table whose keys are free names (`[secrets]`, `[api.tokens]`).
    Name,
    /// Any element of an array of tables (`[[tickets.agents]]`).
    Element,
}

/// What the config accepts at one place, as probing found it.
enum Shape {
    /// A value: a string, a number, a list of values.
    Value,
    /// A table with these keys.
    Table(BTreeMap<String, Shape>),
    /// A table of free names, each entry shaped so.
    Names(Box<Shape>),
    /// An array of tables, each shaped so.
    Tables(Box<Shape>),
}

/// The unknown key written into each table, and its value (which an error quotes when it is
/// the value, not the key, that is refused).
const PROBE: &str = "zz_probe = 1234567";
const PROBE_VALUE: &str = "1234567";

/// What the config accepts at `path`: write an unknown key there and read the error.
fn shape_at(path: &mut Vec<Step>) -> Shape {
    assert!(path.len() < 16, "probing runs away at {}", display(path));
    let error = probe(path);
    if let Some(keys) = error.as_deref().and_then(valid_keys) {
        let keys = keys
            .into_iter()
            .map(|key| {
                path.push(Step::Key(key.clone()));
                let shape = shape_at(path);
                path.pop();
                (key, shape)
            })
            .collect();
        return Shape::Table(keys);
    }
    // The probe was taken as an entry of free names: accepted, or refused for its value
    // (named by its value, or — where values may be secret — by its key).
    if path.last() != Some(&Step::Element)
        && error
            .as_deref()
            .is_none_or(|e| e.contains(PROBE_VALUE) || e.contains(".zz_probe`"))
    {
        path.push(Step::Name);
        let entry = shape_at(path);
        path.pop();
        return Shape::Names(Box::new(entry));
    }
    path.push(Step::Element);
    let element = probe(path)
        .as_deref()
        .and_then(valid_keys)
        .map(|_| shape_at(path));
    path.pop();
    match element {
        Some(element) => Shape::Tables(Box::new(element)),
        None => Shape::Value,
    }
}

/// The error of a config holding only the probe at `path` (`None`: it loads).
fn probe(path: &[Step]) -> Option<String> {
    let mut text = String::new();
    for (i, step) in path.iter().enumerate() {
        if *step == Step::Element {
            writeln!(text, "[[{}]]", dotted(&path[..i])).unwrap();
        }
    }
    if !path.is_empty() && path.last() != Some(&Step::Element) {
        writeln!(text, "[{}]", dotted(path)).unwrap();
    }
    writeln!(text, "{PROBE}").unwrap();
    Config::parse(Path::new("probe.toml"), &text)
        .err()
        .map(|e| e.message)
}

/// The keys an "unknown field `zz_probe`, expected …" error names; `None` for other errors.
fn valid_keys(message: &str) -> Option<Vec<String>> {
    let (_, choices) = message.split_once("unknown field `zz_probe`, ")?;
    // serde: "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, …", or
    // "there are no fields"; the names are the quoted parts.
    Some(
        choices
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    )
}

/// `path` as TOML writes it in a table header (any free name is "zz_name").
fn dotted(path: &[Step]) -> String {
    path.iter()
        .filter_map(|step| match step {
            Step::Key(key) => Some(key.as_str()),
            Step::Name => Some("zz_name"),
            Step::Element => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `path` as the test reports it: `tickets.agents[].name`, `secrets.*.env`.
fn display(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Name => out.push_str(".*"),
            Step::Element => out.push_str("[]"),
        }
    }
    out
}

/// Every key `shape` accepts, as [`display`] writes it.
fn keys_of(shape: &Shape, path: &mut Vec<Step>, out: &mut BTreeSet<String>) {
    let (step, inner) = match shape {
        Shape::Value => return,
        Shape::Table(keys) => {
            for (key, inner) in keys {
                path.push(Step::Key(key.clone()));
                out.insert(display(path));
                keys_of(inner, path, out);
                path.pop();
            }
            return;
        }
        Shape::Names(inner) => (Step::Name, inner),
        Shape::Tables(inner) => (Step::Element, inner),
    };
    path.push(step);
    if path.last() == Some(&Step::Name) {
        out.insert(display(path));
    }
    keys_of(inner, path, out);
    path.pop();
}

/// Every key `text` sets, as [`display`] writes it.
fn keys_in(text: &str, schema: &Shape) -> BTreeSet<String> {
    let table = toml::from_str::<toml::Table>(text).unwrap();
    let mut out = BTreeSet::new();
    walk(
        schema,
        &toml::Value::Table(table),
        &mut Vec::new(),
        &mut out,
    );
    out
}

fn walk(shape: &Shape, value: &toml::Value, path: &mut Vec<Step>, out: &mut BTreeSet<String>) {
    match (shape, value) {
        (Shape::Table(keys), toml::Value::Table(table)) => {
            for (key, value) in table {
                path.push(Step::Key(key.clone()));
                out.insert(display(path));
                if let Some(inner) = keys.get(key) {
                    walk(inner, value, path, out);
                }
                path.pop();
            }
        }
        (Shape::Names(inner), toml::Value::Table(table)) => {
            for value in table.values() {
                path.push(Step::Name);
                out.insert(display(path));
                walk(inner, value, path, out);
                path.pop();
            }
        }
        (Shape::Tables(inner), toml::Value::Array(items)) => {
            for item in items {
                path.push(Step::Element);
                walk(inner, item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// `text` with every commented-out setting (`# key = value`) put back.
fn with_alternatives(text: &str) -> String {
    text.lines()
        .map(|line| commented_setting(line).unwrap_or(line))
        .fold(String::new(), |mut out, line| {
            out.push_str(line);
            out.push('\n');
            out
        })
}

/// `key = value` when `line` is a commented-out setting rather than prose.
fn commented_setting(line: &str) -> Option<&str> {
    let setting = line.trim_start().strip_prefix('#')?.trim();
    toml::from_str::<toml::Table>(setting)
        .is_ok_and(|table| !table.is_empty())
        .then_some(setting)
}

/// Whether `code` sets a key (`key = value`, dotted keys included).
fn is_key_line(code: &str) -> bool {
    code.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim();
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-. ".contains(c))
    })
}

/// Whether `code` ends in a comment (a `#` outside strings).
fn has_trailing_comment(code: &str) -> bool {
    let mut quote = None;
    let mut escaped = false;
    for c in code.chars() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return true,
            None => {}
        }
    }
    false
}
