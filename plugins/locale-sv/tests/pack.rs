//! The Swedish pack against the SDK's conformance rules and its committed snapshot.

use locale_sv::PACK;

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
fn money_and_dates_are_written_the_swedish_way() {
    let se = PACK.market(Some("SE"));
    // Thousands are separated by a no-break space.
    assert_eq!(se.format_money(123_456, "SEK"), "1\u{a0}234,56 kr");
    assert_eq!(
        se.format_money(123_456_789, "SEK"),
        "1\u{a0}234\u{a0}567,89 kr"
    );
    assert_eq!(se.format_money(4_999, "EUR"), "49,99 €");
    // 2025-07-10 16:15:47 UTC is 18:15 in Stockholm (summer time), 17:15 in January.
    assert_eq!(se.format_datetime(1_752_164_147), "2025-07-10 kl. 18:15");
    assert_eq!(se.format_time(1_736_525_747), "17:15");
    assert_eq!(se.format_date(1_736_525_747), "2025-01-10");
    // 2025-10-26 01:00 UTC: summer time ends, 03:00 becomes 02:00.
    assert_eq!(se.format_time(1_761_440_399), "02:59");
    assert_eq!(se.format_time(1_761_440_400), "02:00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
