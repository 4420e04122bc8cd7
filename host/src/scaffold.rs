//! `helloword plugin new`: a plugin crate that builds for wasm32-wasip2 and passes its own
//! test (through the SDK's test kit, on the real host runtime) exactly as generated.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::plugin::PluginKind;

/// The `sdk/` folder of the repository this binary was built from.
pub fn bundled_sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|root| root.join("sdk"))
        .unwrap_or_else(|| PathBuf::from("sdk"))
}

/// Create `<dir>/<name>/` with a plugin crate of `kind` that depends on the SDK at `sdk`.
pub fn new_plugin(dir: &Path, name: &str, kind: PluginKind, sdk: &Path) -> anyhow::Result<PathBuf> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.as_bytes()[0].is_ascii_lowercase();
    if !valid {
        bail!(
            "plugin name {name:?}: use lower-case letters, digits and '-', starting with a letter"
        );
    }
    let sdk = sdk.canonicalize().with_context(|| {
        format!(
            "the SDK folder {} does not exist (pass --sdk)",
            sdk.display()
        )
    })?;
    if !sdk.join("guest").join("Cargo.toml").exists() {
        bail!(
            "{} is not the HelloWord sdk/ folder (no guest/Cargo.toml)",
            sdk.display()
        );
    }
    let root = dir.join(name);
    if root.exists() {
        bail!("{} already exists", root.display());
    }
    let stem = name.replace('-', "_");
    let (feature, lib, test) = match kind {
        PluginKind::MarketplaceConnector => ("connector", CONNECTOR_LIB, CONNECTOR_TEST),
        PluginKind::LocalePack => ("locale", LOCALE_LIB, LOCALE_TEST),
        PluginKind::CompensationPolicy => ("policy", POLICY_LIB, POLICY_TEST),
        PluginKind::Translator => ("translator", TRANSLATOR_LIB, TRANSLATOR_TEST),
    };
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{stem}}", &stem)
            .replace("{{kind}}", kind.world())
            .replace("{{feature}}", feature)
            .replace("{{sdk}}", &sdk.display().to_string().replace('\\', "/"))
    };
    let rules = match kind {
        PluginKind::MarketplaceConnector => fill(CONNECTOR_RULES),
        _ => String::new(),
    };
    std::fs::create_dir_all(root.join("src"))?;
    std::fs::create_dir_all(root.join("tests"))?;
    std::fs::write(root.join("Cargo.toml"), fill(CARGO_TOML))?;
    std::fs::write(
        root.join("plugin.toml"),
        fill(PLUGIN_TOML).replace("{{rules}}", &rules),
    )?;
    std::fs::write(root.join("src/lib.rs"), fill(lib))?;
    std::fs::write(root.join("tests/plugin.rs"), fill(test))?;
    std::fs::write(root.join(".gitignore"), "/target\n")?;
    // The SDK repository's lock file pins every dependency to versions that build with the
    // pinned toolchain; a fresh resolution could pick crates that need a newer Rust.
    if let Some(lock) = sdk.parent().map(|repo| repo.join("Cargo.lock"))
        && lock.exists()
    {
        std::fs::copy(&lock, root.join("Cargo.lock"))?;
    }
    Ok(root)
}

const CARGO_TOML: &str = r#"[package]
name = "{{name}}"
version = "0.1.0"
edition = "2024"
rust-version = "1.95"
publish = false

# A plugin is its own workspace.
[workspace]

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
helloword-sdk = { path = "{{sdk}}/guest", features = ["{{feature}}"] }

[dev-dependencies]
helloword-testkit = { path = "{{sdk}}/testkit" }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

# The test kit compiles wasm with Cranelift; optimised dependencies keep tests fast.
[profile.dev]
debug = "line-tables-only"
[profile.dev.package."*"]
opt-level = 2
debug = false
# Except the gateway itself and its test kit, built as the gateway's own tests build them:
# optimising the gateway took a first `cargo test` 84 s instead of 32 s.
[profile.dev.package.helloword]
opt-level = 0
debug = "line-tables-only"
[profile.dev.package.helloword-testkit]
opt-level = 0
debug = "line-tables-only"
"#;

const PLUGIN_TOML: &str = r#"[plugin]
id = "{{name}}"
kind = "{{kind}}"
contract = "0.1.0"
component = "{{stem}}.wasm"
description = "A new {{kind}} plugin."
# What the plugin requests; the operator grants it in [plugins.grants.{{name}}] of the
# gateway config (docs/plugin-guide.md, "Requests and grants").
secrets = []
allowed_hosts = []

[config]
{{rules}}"#;

/// A new connector's marketplace rules, for its author to fill in (docs/plugin-guide.md,
/// "Marketplace rules").
const CONNECTOR_RULES: &str = r#"
# Your marketplace's rules, applied by the gateway to this connector's tickets and replies.
[rules]
# Domain labels of the marketplace's own sites: links to them are fine in replies.
own_sites = ["{{name}}"]

# What replies may contain: "block" (sent only with a lead's override) or "warn".
[rules.messages]
links = "warn"
contact_details = "block"
off_platform = "block"
marketing = "warn"
language = "block"

# How long the marketplace gives the seller to answer, per issue kind.
[[rules.deadlines]]
name = "{{name}}.buyer_message"
kinds = ["buyer-message"]
window = { calendar = "24h" }
"#;

const CONNECTOR_LIB: &str = r#"//! A marketplace connector. Marketplaces POST to /hooks/{{name}}; this plugin turns each
//! JSON delivery `{"order_id": "...", "message": "..."}` into a buyer-message ticket event.

use helloword_sdk::connector::{
    Capability, Connector, IncomingRequest, Info, PollResult, WebhookError, WebhookOutcome,
};
use helloword_sdk::json;
use helloword_sdk::types::{
    Action, ActionError, ActionOutcome, DedupeKey, IssueKind, Order, TicketEvent,
};

struct Plugin;

impl Connector for Plugin {
    fn describe() -> Info {
        Info {
            marketplace: "{{name}}".into(),
            display_name: "{{name}}".into(),
            capabilities: vec![Capability::Webhooks],
            topics: vec!["buyer-message".into()],
        }
    }

    fn handle_webhook(req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        // Check the marketplace's signature first (crypto::hmac_sha256_verify). Once it
        // verified, refuse what you cannot read with
        // helloword_sdk::connector::delivery::unreadable(text): the gateway keeps the delivery
        // for replay and answers 202, where a 400 would have the marketplace retry it.
        let body = json::parse(&req.body).map_err(WebhookError::BadRequest)?;
        let order_id = json::id_at(&body, "/order_id")
            .ok_or_else(|| WebhookError::BadRequest("`order_id` is missing".into()))?;
        let message = json::str_at(&body, "/message").unwrap_or_default().to_string();
        let summary = format!("Buyer message about order {order_id}");
        let dedupe = DedupeKey::business(format!("message:{order_id}"));
        let mut event = TicketEvent::new(IssueKind::BuyerMessage, req.header("x-shop").unwrap_or("default"), summary, dedupe);
        event.order = Some(Order {
            id: order_id,
            display_name: None,
            placed_at: None,
            total: None,
            line_items: vec![],
        });
        event.buyer_text = Some(message);
        Ok(WebhookOutcome::Events(vec![event]))
    }

    fn poll(_cursor: Option<String>) -> Result<PollResult, ActionError> {
        Ok(PollResult { events: vec![], next_cursor: None, more: false })
    }

    fn execute(_action: Action) -> Result<ActionOutcome, ActionError> {
        Err(ActionError::Permanent("no actions yet".into()))
    }

    fn reconcile(_action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        Ok(None)
    }
}

helloword_sdk::export_connector!(Plugin);
"#;

const CONNECTOR_TEST: &str = r##"//! Runs the built plugin through the real HelloWord host runtime.

use helloword_testkit::connector_api::{WebhookError, WebhookOutcome};
use helloword_testkit::{TestKit, request};

#[tokio::test]
async fn a_delivery_becomes_a_buyer_message_event() {
    let plugin = TestKit::new().build_and_load(env!("CARGO_MANIFEST_DIR")).await.unwrap();
    let body = br#"{"order_id": 9007199254740993, "message": "Where is my parcel?"}"#;
    let outcome = plugin.handle_webhook(&request("POST", "/", &[], body)).await.unwrap();
    let Ok(WebhookOutcome::Events(events)) = outcome else { panic!("{outcome:?}") };
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].order.as_ref().unwrap().id, "9007199254740993");
    assert_eq!(events[0].buyer_text.as_deref(), Some("Where is my parcel?"));

    let outcome = plugin.handle_webhook(&request("POST", "/", &[], b"not json")).await.unwrap();
    assert!(matches!(outcome, Err(WebhookError::BadRequest(_))), "{outcome:?}");

    // The marketplace's rules in plugin.toml loaded with it: buyer messages are due in 24 h.
    let rule = plugin.manifest.rules.deadlines.iter().find(|r| r.name == "{{name}}.buyer_message");
    assert!(rule.is_some(), "{:?}", plugin.manifest.rules);
}
"##;

const LOCALE_LIB: &str = r#"//! A language pack with one scenario.

use helloword_sdk::locale::{
    CompliancePhrase, CultureTip, Direction, LocalePack, PackInfo, RenderError, RenderRequest,
    Rendered, Value,
};

struct Plugin;

impl LocalePack for Plugin {
    fn describe() -> PackInfo {
        PackInfo { languages: vec!["en".into()], markets: vec![], scenarios: vec!["greeting".into()] }
    }

    fn render(req: RenderRequest) -> Result<Rendered, RenderError> {
        if req.scenario != "greeting" {
            return Err(RenderError::UnknownScenario(req.scenario));
        }
        let name = req
            .variables
            .iter()
            .find_map(|(k, v)| match v { Value::Text(t) if k == "buyer-name" => Some(t.clone()), _ => None })
            .ok_or_else(|| RenderError::MissingVariable("buyer-name".into()))?;
        Ok(Rendered { subject: "Hello".into(), body: format!("Hello {name}"), direction: Direction::LeftToRight })
    }

    fn culture_tips(_market: String) -> Vec<CultureTip> {
        vec![]
    }

    fn compliance_phrases(_language: String) -> Vec<CompliancePhrase> {
        vec![]
    }

    fn language_markers(language: String) -> Vec<String> {
        if language != "en" {
            return vec![];
        }
        ["the", "and", "you", "your", "we", "is", "hello"].iter().map(|w| w.to_string()).collect()
    }
}

helloword_sdk::export_locale!(Plugin);
"#;

const LOCALE_TEST: &str = r#"//! Runs the built plugin through the real HelloWord host runtime.

use helloword_testkit::locale_api::{RenderRequest, Value};
use helloword_testkit::TestKit;

#[tokio::test]
async fn greeting_renders_with_the_buyer_name() {
    let plugin = TestKit::new().build_and_load(env!("CARGO_MANIFEST_DIR")).await.unwrap();
    let req = RenderRequest {
        scenario: "greeting".into(),
        language: "en".into(),
        market: None,
        variables: vec![("buyer-name".into(), Value::Text("Ada".into()))],
    };
    let rendered = plugin.render(&req).await.unwrap().unwrap();
    assert_eq!(rendered.body, "Hello Ada");
}
"#;

const POLICY_LIB: &str = r#"//! A compensation policy: refund small orders automatically, send the rest to an agent.

use helloword_sdk::policy::{ApprovalTier, Policy, PolicyError, Proposal, TicketContext};
use helloword_sdk::types::{ActionKind, RefundSpec};

struct Plugin;

impl Policy for Plugin {
    fn decide(ctx: TicketContext) -> Result<Proposal, PolicyError> {
        let amount = ctx
            .amount
            .ok_or_else(|| PolicyError::InsufficientContext("amount".into()))?;
        let tier = if amount.minor_units < 2000 { ApprovalTier::Automatic } else { ApprovalTier::Agent };
        Ok(Proposal {
            actions: vec![ActionKind::Refund(RefundSpec {
                amount: Some(amount.clone()),
                line_items: vec![],
                include_shipping: false,
                note: None,
                notify_buyer: true,
            })],
            rationale: format!("Refund {} {} minor units.", amount.minor_units, amount.currency),
            tier,
            evidence_to_request: vec![],
            revisit_at: None,
        })
    }
}

helloword_sdk::export_policy!(Plugin);
"#;

const POLICY_TEST: &str = r#"//! Runs the built plugin through the real HelloWord host runtime.

use helloword_testkit::policy_api::{ApprovalTier, TicketContext};
use helloword_testkit::types::{IssueKind, Money, Timestamp};
use helloword_testkit::TestKit;

#[tokio::test]
async fn small_amounts_are_refunded_automatically() {
    let plugin = TestKit::new().build_and_load(env!("CARGO_MANIFEST_DIR")).await.unwrap();
    let now = Timestamp { seconds: 1_750_000_000, nanoseconds: 0 };
    let ctx = TicketContext {
        ticket_id: "t1".into(),
        marketplace: "example".into(),
        shop: "s".into(),
        kind: IssueKind::Quality,
        order: None,
        customer: None,
        amount: Some(Money { minor_units: 1500, currency: "USD".into() }),
        compensated_on_ticket: vec![],
        compensated_for_customer: vec![],
        compensated_for_shop_today: vec![],
        opened_at: now,
        now,
    };
    let proposal = plugin.decide(&ctx).await.unwrap().unwrap();
    assert_eq!(proposal.tier, ApprovalTier::Automatic);
}
"#;

const TRANSLATOR_LIB: &str = r#"//! A translator. A real one calls its service with `helloword_sdk::translator::http`; this
//! one only knows that a text already in the target language needs no translation.

use helloword_sdk::translator::{TranslateError, TranslateRequest, Translation, Translator};

struct Plugin;

impl Translator for Plugin {
    fn translate(req: TranslateRequest) -> Result<Translation, TranslateError> {
        match req.source_language {
            Some(source) if source == req.target_language => {
                Ok(Translation { text: req.text, detected_source_language: Some(source) })
            }
            _ => Err(TranslateError::UnsupportedLanguage(req.target_language)),
        }
    }
}

helloword_sdk::export_translator!(Plugin);
"#;

const TRANSLATOR_TEST: &str = r#"//! Runs the built plugin through the real HelloWord host runtime.

use helloword_testkit::translate_api::{Formality, TranslateError, TranslateRequest};
use helloword_testkit::TestKit;

#[tokio::test]
async fn same_language_passes_through_and_others_are_refused() {
    let plugin = TestKit::new().build_and_load(env!("CARGO_MANIFEST_DIR")).await.unwrap();
    let req = |source: &str| TranslateRequest {
        text: "Hello".into(),
        source_language: Some(source.into()),
        target_language: "en".into(),
        formality: Formality::More,
    };
    assert_eq!(plugin.translate(&req("en")).await.unwrap().unwrap().text, "Hello");
    let refused = plugin.translate(&req("de")).await.unwrap();
    assert!(matches!(refused, Err(TranslateError::UnsupportedLanguage(_))), "{refused:?}");
}
"#;
