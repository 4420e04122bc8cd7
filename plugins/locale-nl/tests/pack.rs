//! The Dutch pack against the SDK's conformance rules and its committed snapshot.

use locale_nl::PACK;

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
fn money_and_dates_are_written_the_dutch_and_flemish_way() {
    let nl = PACK.market(Some("NL"));
    let be = PACK.market(Some("BE"));
    assert_eq!(nl.format_money(123_456, "EUR"), "€ 1.234,56");
    assert_eq!(be.format_money(123_456_789, "EUR"), "€ 1.234.567,89");
    assert_eq!(nl.format_money(-5, "EUR"), "€ -0,05");
    // 2025-07-10 16:15:47 UTC is 18:15 in Amsterdam and Brussels (summer time), 17:15 in January.
    assert_eq!(nl.format_datetime(1_752_164_147), "10-07-2025 om 18:15 uur");
    assert_eq!(be.format_datetime(1_752_164_147), "10/07/2025 om 18:15 uur");
    assert_eq!(nl.format_time(1_736_525_747), "17:15");
    assert_eq!(be.format_date(1_736_525_747), "10/01/2025");
    // 2025-10-26 01:00 UTC: summer time ends, 03:00 becomes 02:00.
    assert_eq!(nl.format_time(1_761_440_399), "02:59");
    assert_eq!(nl.format_time(1_761_440_400), "02:00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
