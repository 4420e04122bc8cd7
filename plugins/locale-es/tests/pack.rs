//! The Spanish pack against the SDK's conformance rules and its committed snapshot.

use locale_es::PACK;

#[test]
fn every_scenario_renders_with_every_variable() {
    let problems = PACK.check();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn renderings_match_the_snapshot() {
    PACK.assert_snapshot(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshot.txt"));
}

#[test]
fn money_and_dates_are_written_each_market_s_way() {
    let es = PACK.market(Some("ES"));
    let mx = PACK.market(Some("MX"));
    assert_eq!(es.format_money(123_456, "EUR"), "1.234,56 €");
    assert_eq!(mx.format_money(123_456, "MXN"), "$1,234.56");
    assert_eq!(mx.format_money(123_456, "USD"), "US$1,234.56");
    // 2025-07-10 16:15:47 UTC is 18:15 in Madrid (summer time), 17:15 in January;
    // Mexico City is UTC−6 all year.
    assert_eq!(es.format_datetime(1_752_164_147), "10/07/2025 a las 18:15");
    assert_eq!(es.format_time(1_736_525_747), "17:15");
    assert_eq!(mx.format_datetime(1_752_164_147), "10/07/2025 a las 10:15");
    assert_eq!(mx.format_time(1_736_525_747), "10:15");
    // Summer time starts on 2025-03-30 at 01:00 UTC: 01:59 CET, then 03:00 CEST.
    assert_eq!(es.format_time(1_743_296_399), "01:59");
    assert_eq!(es.format_time(1_743_296_400), "03:00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
