//! Issue 27, item 2: one connector plugin serving many shops. A connection (`[[connections]]`
//! in the gateway config: an id, the plugin, its config and the [secrets] entries behind the
//! plugin's secret names) is served at `/hooks/<id>`; its tickets name it; the rules are the
//! plugin's marketplace's. Through the real HTTP interface with the Shopify connector built
//! from this repository.

mod common;

use common::gateway::*;
use helloword::tickets::sla::DeadlineSource;

const SECRET_A: &str = "shop-a-client-secret";
const SECRET_B: &str = "shop-b-client-secret";

/// Two Shopify shops through the one Shopify plugin, each with its own client secret.
fn two_shops() -> String {
    format!(
        "shop_a_client_secret = {{ value = \"{SECRET_A}\" }}\n\
         shop_b_client_secret = {{ value = \"{SECRET_B}\" }}\n\
         [[connections]]\nid = \"shop-a\"\nplugin = \"shopify\"\n\
         secrets = {{ shopify_client_secret = \"shop_a_client_secret\" }}\n\
         [[connections]]\nid = \"shop-b\"\nplugin = \"shopify\"\n\
         secrets = {{ shopify_client_secret = \"shop_b_client_secret\" }}\n\
         config = {{ api_version = \"2025-10\" }}\n"
    )
}

async fn chargeback(gw: &Running, hook: &str, secret: &str, shop: &str, id: &str) -> u16 {
    let to = ShopifyHook { hook, secret, shop };
    deliver_shopify_to(
        &gw.client,
        &gw.base,
        &to,
        "disputes/create",
        &fixture("disputes__create.json"),
        id,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn two_shopify_shops_each_verify_with_their_own_secret_and_get_shopifys_dispute_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with(tmp.path(), &two_shops()).await;

    // Each shop's deliveries verify with its own secret only.
    let shop_a = "shop-a.myshopify.com";
    let shop_b = "shop-b.myshopify.com";
    assert_eq!(
        chargeback(&gw, "shop-a", SECRET_B, shop_a, "a-0").await,
        401
    );
    assert_eq!(
        chargeback(&gw, "shop-b", SECRET_A, shop_b, "b-0").await,
        401
    );
    assert_eq!(
        chargeback(&gw, "shop-a", SECRET_A, shop_a, "a-1").await,
        200
    );
    assert_eq!(
        chargeback(&gw, "shop-b", SECRET_B, shop_b, "b-1").await,
        200
    );
    // The plugin itself is served only through its connections.
    assert_eq!(chargeback(&gw, "shopify", SECRET, SHOP, "s-1").await, 404);
    gw.settled().await;

    let mut queue = gw.queue();
    queue.sort_by(|a, b| a.marketplace.cmp(&b.marketplace));
    assert_eq!(queue.len(), 2, "one case per shop: {queue:#?}");
    for (ticket, (connection, shop)) in queue.iter().zip([("shop-a", shop_a), ("shop-b", shop_b)]) {
        assert_eq!(ticket.marketplace, connection);
        assert_eq!(ticket.shop, shop);
        // Shopify's rule: its evidence deadline (2021-12-31T00:00Z) less its 24 h margin;
        // a connector without Shopify's rules would be due at the deadline itself.
        assert_eq!(
            ticket.due.at.to_string(),
            "2021-12-30T00:00:00Z",
            "{ticket:#?}"
        );
        assert!(matches!(
            ticket.due.source,
            DeadlineSource::PlatformDeadline
        ));
    }

    // Each connection has the plugin's code with its own config.
    let (status, plugins) = gw.api("GET", "/api/plugins", None).await;
    assert_eq!(status, 200, "{plugins}");
    let ids: Vec<&str> = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"shop-a") && ids.contains(&"shop-b"),
        "{plugins}"
    );
    let a = gw.app.plugins.get("shop-a").unwrap();
    let b = gw.app.plugins.get("shop-b").unwrap();
    assert_eq!(a.plugin_id(), "shopify");
    assert_eq!(a.content_hash, b.content_hash);
    gw.stop().await;
}

#[tokio::test]
async fn a_connection_naming_a_missing_plugin_or_secret_is_an_error_naming_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    // A secret entry that is not in [secrets]: refused when the config is read.
    let text = "[[connections]]\nid = \"eu\"\nplugin = \"shopify\"\n\
                secrets = { shopify_client_secret = \"no_such_entry\" }\n";
    let error = helloword::config::Config::parse(&tmp.path().join("helloword.toml"), text)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("line 1") && error.contains("no_such_entry") && error.contains("\"eu\""),
        "{error}"
    );

    // A plugin that is not in the plugin folder: refused when the gateway starts.
    let config = "[[connections]]\nid = \"eu\"\nplugin = \"amazon\"\n";
    let Err(error) = try_start_with(tmp.path(), config).await else {
        panic!("a gateway started with a connection to a plugin it does not have");
    };
    assert!(
        error.contains("line") && error.contains("\"eu\"") && error.contains("\"amazon\""),
        "{error}"
    );
}
