//! The Italian pack against the SDK's conformance rules and its committed snapshot.

use locale_it::PACK;

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
fn money_and_dates_are_written_the_italian_way() {
    let it = PACK.market(Some("IT"));
    assert_eq!(it.format_money(123_456, "EUR"), "1.234,56 €");
    assert_eq!(it.format_money(-5, "EUR"), "-0,05 €");
    // 2025-07-10 16:15:47 UTC is 18:15 in Rome (summer time), 17:15 in January.
    assert_eq!(
        it.format_datetime(1_752_164_147),
        "10/07/2025 alle ore 18:15"
    );
    assert_eq!(it.format_time(1_736_525_747), "17:15");
    assert_eq!(it.format_date(1_736_525_747), "10/01/2025");
    // Summer time starts on 2025-03-30 at 01:00 UTC: 01:59 CET, then 03:00 CEST.
    assert_eq!(it.format_time(1_743_296_399), "01:59");
    assert_eq!(it.format_time(1_743_296_400), "03:00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
