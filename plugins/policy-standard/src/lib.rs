//! # policy-standard — the standard compensation policy
//!
//! A `compensation-policy` plugin: for one ticket it proposes what to offer the buyer
//! (refund, replacement, return, coupons), who must approve it, and a rationale an agent
//! and a lead can check. It is pure: no clock, no randomness, no I/O besides reading its
//! config; "now" is `ctx.now`, so the same context always gets the same proposal.
//!
//! ## Money
//!
//! Every threshold and cap is written in the base currency (`base_currency`, default USD).
//! Amounts in other currencies are converted with `rates` (`EUR=1.08` means 1 EUR =
//! 1.08 USD) exactly, on integer minor units: rates are read as decimal text into scaled
//! integers, and each conversion rounds once, half away from zero, to the minor unit of the
//! target currency (JPY has none, KWD three). A currency without a rate refuses the
//! decision with `misconfigured("rates: no rate for XYZ")`.
//!
//! The *amount at stake* is the ticket's amount, else the order total. The *order value*
//! is the order total, else the amount at stake.
//!
//! ## Rules
//!
//! | Case | Proposal | Rule's tier |
//! |---|---|---|
//! | Item problem (quality, damaged, wrong item), amount at stake below `small_order_limit` | refund of the full amount, no return | automatic |
//! | Item problem at or above `small_order_limit` | expedited replacement of the order's lines; a return decision requiring the original back when the item is worth more than `return_above` | agent |
//! | … and the order value is at least `high_value` | the same plus a coupon of `high_value_coupon_percent` % of the order | lead |
//! | Delivered but not received, within `investigation_business_days` business days | no action yet: evidence to request from the buyer, and `revisit-at` the window's end | agent |
//! | Delivered but not received, after the window | refund when the order is small, else a replacement | agent |
//! | Not received (lost parcel) | replacement, or refund when `lost_parcel = "refund"` | agent; automatic when small |
//! | Anything else (messages, reviews, disputes, updates…) | nothing: "No compensation for …" | automatic |
//!
//! The investigation window counts business days (Monday–Friday, UTC) after the day the
//! case opened and closes at 24:00 UTC of the last one: opened on a Monday with 2 days, it
//! closes at Thursday 00:00 UTC; opened on Friday, at Wednesday 00:00 UTC.
//!
//! VIP customers get an extra coupon of `vip_coupon` (converted to the order currency)
//! with any refund or replacement. Coupon codes come from the ticket id alone (`SORRY-…`
//! for the high-value coupon, `VIP-…` for the VIP one) and expire at the end of the UTC day
//! `coupon_valid_days` after the decision (`0`: no expiry).
//!
//! ## Caps
//!
//! The money a proposal moves (refunds and coupons; a replacement moves goods, not money)
//! is checked against three caps, each in the base currency:
//!
//! - `cap_per_ticket`: `compensated-on-ticket` plus this proposal;
//! - `cap_per_customer`: `compensated-for-customer` plus this proposal. The period is
//!   `cap_customer_period_days`; the host already passes only what was given within it,
//!   so the policy adds up what it receives and names the period;
//! - `cap_per_shop_day`: `compensated-for-shop-today` plus this proposal.
//!
//! A proposal over a cap is never silently kept: the refund keeps what the tightest cap
//! leaves, then the high-value coupon, then the VIP coupon; a coupon that gets nothing is
//! dropped and the proposal goes (at least) to an agent. When nothing is left for the
//! refund, the proposal stays whole and goes to a lead. The rationale names the cap, what
//! was given, what is left, what was proposed and what was cut.
//!
//! ## Approval tier
//!
//! By the proposal's money in the base currency (after any cut): automatic below
//! `auto_below`, agent up to and including `agent_up_to`, lead above — but never lower than
//! the rule's own tier, or than the caps' (agent after a cut, lead over a cap).
//!
//! ## Config
//!
//! Every key is optional; `plugin.toml` lists the defaults with comments, and
//! [`settings::DEFAULTS`] holds the same values. A value that cannot be read refuses every
//! decision with `misconfigured("<key>: …")`.
//!
//! | Key | Default | Meaning |
//! |---|---|---|
//! | `base_currency` | `USD` | currency of thresholds and caps |
//! | `rates` | `EUR=1.08,GBP=1.27,CAD=0.73,AUD=0.66,MXN=0.055,PLN=0.25,SEK=0.095,BRL=0.18,JPY=0.0067,TRY=0.03,SAR=0.2667,AED=0.2723,EGP=0.02,CHF=1.13` | 1 unit = x base units |
//! | `small_order_limit` | `20.00` | item problems below it are refunded, automatically |
//! | `return_above` | `100.00` | replaced items worth more must come back |
//! | `high_value` | `200.00` | orders worth this much get a coupon and a lead |
//! | `high_value_coupon_percent` | `10` | that coupon, in % of the order (0–100) |
//! | `investigation_business_days` | `2` | delivered-but-not-received window, 1–3 |
//! | `lost_parcel` | `reship` | `reship` or `refund` |
//! | `vip_coupon` | `5.00` | extra coupon for VIP buyers |
//! | `coupon_valid_days` | `90` | coupon validity, 0 = no expiry |
//! | `cap_per_ticket` | `150.00` | money per ticket |
//! | `cap_per_customer` | `300.00` | money per customer over the period |
//! | `cap_customer_period_days` | `30` | that period (the host filters to it) |
//! | `cap_per_shop_day` | `2000.00` | money per shop per UTC day |
//! | `auto_below` | `25.00` | automatic below this |
//! | `agent_up_to` | `150.00` | agent up to this, lead above |
//!
//! ## Errors
//!
//! - `misconfigured(key: …)`: a config value that cannot be read, or `rates: no rate for XYZ`.
//! - `insufficient-context(field: …)`: an item problem or a refund without any amount
//!   (`amount or order.total`), a replacement without `order.line-items`, or an amount that
//!   is not positive.
//!
//! ## Code
//!
//! The decision is plain Rust over [`Settings`]: [`decide`] is what the plugin export
//! calls after [`Settings::from_config`] has read the `config` import, and what the native
//! tests (`tests/table.rs`) call directly.

pub mod calendar;
pub mod convert;
pub mod rules;
pub mod settings;

use helloword_sdk::policy::{Policy, PolicyError, Proposal, TicketContext, config};

pub use convert::{Decimal, Rates, Rounding};
pub use rules::{coupon_code, decide};
pub use settings::{LostParcel, Settings};

struct StandardPolicy;

impl Policy for StandardPolicy {
    fn decide(ctx: TicketContext) -> Result<Proposal, PolicyError> {
        let settings = Settings::from_config(config::get)?;
        rules::decide(&ctx, &settings)
    }
}

helloword_sdk::export_policy!(StandardPolicy);
