use std::path::Path;
use std::time::Duration;

use super::*;

fn manifest(plugin: &str, tail: &str) -> Manifest {
    let text = format!(
        "[plugin]\nid = \"hostile\"\nkind = \"marketplace-connector\"\ncontract = \"0.1.0\"\n\
         component = \"hostile.wasm\"\n{plugin}\n{tail}\n"
    );
    Manifest::parse(Path::new("plugins/hostile/plugin.toml"), &text).unwrap()
}

fn operator(grants: &[(&str, &str)]) -> GrantPolicy {
    GrantPolicy::Operator(
        grants
            .iter()
            .map(|(id, text)| {
                let raw: GrantConfig = toml::from_str(text).unwrap();
                let table = format!("plugins.grants.{id}");
                (id.to_string(), Grant::from_config(&table, raw).unwrap())
            })
            .collect(),
    )
}

const HOSTILE: &str = "secrets = [\"admin_token\", \"shopify_client_secret\"]\n\
                       allowed_hosts = [\"127.0.0.1\", \"*.example.com\"]";

#[test]
fn a_plugin_that_grants_itself_secrets_hosts_and_cpu_is_refused_with_the_lines_to_grant_them() {
    let hostile = manifest(HOSTILE, "[limits]\ncpu_ms = 20000");
    let error = GrantPolicy::default()
        .admit(&hostile, &Limits::default())
        .unwrap_err();
    assert_eq!(
        error,
        "plugin `hostile` asks for what the gateway config does not grant it: secret \
         `admin_token`, secret `shopify_client_secret`, host `127.0.0.1`, host `*.example.com`, \
         cpu_ms = 20000 (the default is 200). To grant it, write these lines in the gateway \
         config, in place of any [plugins.grants.hostile] there:\n    \
         [plugins.grants.hostile]\n    \
         secrets = [\"admin_token\", \"shopify_client_secret\"]\n    \
         allowed_hosts = [\"127.0.0.1\", \"*.example.com\"]\n    \
         limits = { cpu_ms = 20000 }"
    );
}

#[test]
fn the_lines_to_write_keep_what_is_granted_already() {
    let hostile = manifest(HOSTILE, "[limits]\nmemory_bytes = 134217728\ncpu_ms = 100");
    let policy = operator(&[(
        "hostile",
        "secrets = [\"admin_token\"]\nallowed_hosts = [\"*.example.com\"]\n\
         limits = { memory_bytes = 100000000, wall_clock_ms = 20000 }",
    )]);
    let error = policy.admit(&hostile, &Limits::default()).unwrap_err();
    assert_eq!(
        error,
        "plugin `hostile` asks for what the gateway config does not grant it: secret \
         `shopify_client_secret`, host `127.0.0.1`, memory_bytes = 134217728 (granted up to \
         100000000). To grant it, write these lines in the gateway config, in place of any \
         [plugins.grants.hostile] there:\n    \
         [plugins.grants.hostile]\n    \
         secrets = [\"admin_token\", \"shopify_client_secret\"]\n    \
         allowed_hosts = [\"*.example.com\", \"127.0.0.1\"]\n    \
         limits = { wall_clock_ms = 20000, memory_bytes = 134217728 }"
    );
}

#[test]
fn a_plugin_gets_what_it_requested_and_was_granted_and_nothing_else() {
    let shopify = manifest(
        "secrets = [\"shopify_client_secret\"]\nallowed_hosts = [\"shop.myshopify.com\"]",
        "",
    );
    let policy = operator(&[(
        "hostile",
        "secrets = [\"shopify_client_secret\", \"shopify_admin_token\"]\n\
         allowed_hosts = [\"*.myshopify.com\"]\nlimits = { cpu_ms = 5000 }",
    )]);
    let admitted = policy.admit(&shopify, &Limits::default()).unwrap();
    assert_eq!(admitted.secrets, ["shopify_client_secret"]);
    assert!(admitted.warnings.is_empty());
    // A ceiling the plugin did not ask for is not given to it.
    assert_eq!(admitted.limits, Limits::default());
}

#[test]
fn a_limit_below_the_default_needs_no_grant_and_above_it_the_grant_is_the_most() {
    let defaults = Limits::default();
    let lower = manifest("", "[limits]\ncpu_ms = 50\nmemory_bytes = 1048576");
    let admitted = GrantPolicy::default().admit(&lower, &defaults).unwrap();
    assert_eq!(admitted.limits.cpu, Duration::from_millis(50));
    assert_eq!(admitted.limits.memory_bytes, 1 << 20);

    let higher = manifest("", "[limits]\ncpu_ms = 5000");
    let granted = operator(&[("hostile", "limits = { cpu_ms = 5000 }")]);
    let admitted = granted.admit(&higher, &defaults).unwrap();
    assert_eq!(admitted.limits.cpu, Duration::from_millis(5000));
    let short = operator(&[("hostile", "limits = { cpu_ms = 4999 }")]);
    let error = short.admit(&higher, &defaults).unwrap_err();
    assert!(
        error.contains(": cpu_ms = 5000 (granted up to 4999). "),
        "{error}"
    );

    // A grant below the default lowers the plugin's limit when it asks for none.
    let asks_nothing = manifest("", "");
    let lowered = operator(&[("hostile", "limits = { host_call_quota = 10 }")]);
    let admitted = lowered.admit(&asks_nothing, &defaults).unwrap();
    assert_eq!(admitted.limits.host_call_quota, 10);
}

#[test]
fn an_optional_secret_that_is_not_granted_is_left_out_with_a_warning_naming_the_line() {
    let shopify = manifest(
        "secrets = [\"shopify_client_secret\"]\n\
         optional_secrets = [\"shopify_previous_client_secret\", \"shopify_admin_token\"]",
        "",
    );
    let policy = operator(&[(
        "hostile",
        "secrets = [\"shopify_client_secret\", \"shopify_previous_client_secret\"]",
    )]);
    let admitted = policy.admit(&shopify, &Limits::default()).unwrap();
    assert_eq!(
        admitted.secrets,
        ["shopify_client_secret", "shopify_previous_client_secret"]
    );
    assert_eq!(
        admitted.warnings,
        [
            "plugin `hostile` loads without its optional secret `shopify_admin_token`, which \
             the gateway config does not grant it; to grant it, write secrets = \
             [\"shopify_client_secret\", \"shopify_previous_client_secret\", \
             \"shopify_admin_token\"] in [plugins.grants.hostile]"
        ]
    );
}

#[test]
fn as_requested_grants_every_request() {
    let hostile = manifest(
        &format!("{HOSTILE}\noptional_secrets = [\"extra\"]"),
        "[limits]\ncpu_ms = 20000",
    );
    let admitted = GrantPolicy::AsRequested
        .admit(&hostile, &Limits::default())
        .unwrap();
    assert_eq!(
        admitted.secrets,
        ["admin_token", "shopify_client_secret", "extra"]
    );
    assert_eq!(admitted.limits.cpu, Duration::from_secs(20));
    assert!(admitted.warnings.is_empty());
}

#[test]
fn a_malformed_grant_names_its_key() {
    let bad = |text: &str| {
        let raw: GrantConfig = toml::from_str(text).unwrap();
        Grant::from_config("plugins.grants.shopify", raw).unwrap_err()
    };
    assert_eq!(
        bad("allowed_hosts = [\"bad host\"]"),
        "`plugins.grants.shopify.allowed_hosts` has \"bad host\"; expected a host, host:port \
         or *.domain"
    );
    assert_eq!(
        bad("secrets = [\"a b\"]"),
        "`plugins.grants.shopify.secrets` has \"a b\"; use letters, digits, '_' and '-'"
    );
}
