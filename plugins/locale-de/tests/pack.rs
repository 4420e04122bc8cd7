//! The German pack against the SDK's conformance rules and its committed snapshot.

use locale_de::PACK;

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
fn money_and_dates_are_written_the_german_way() {
    let de = PACK.market(Some("DE"));
    assert_eq!(de.format_money(123_456, "EUR"), "1.234,56 €");
    assert_eq!(
        PACK.market(Some("CH")).format_money(123_450, "CHF"),
        "CHF 1’234.50"
    );
    // 2025-07-10 16:15:47 UTC is 18:15 in Berlin (summer time), 17:15 in January.
    assert_eq!(de.format_datetime(1_752_164_147), "10.07.2025 um 18:15 Uhr");
    assert_eq!(de.format_time(1_736_525_747), "17:15");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
