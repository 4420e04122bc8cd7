//! The French pack against the SDK's conformance rules and its committed snapshot.

use locale_fr::PACK;

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
fn money_and_dates_are_written_the_french_way() {
    let fr = PACK.market(Some("FR"));
    // Narrow no-break space for thousands, no-break space before the symbol.
    assert_eq!(fr.format_money(123_456, "EUR"), "1\u{202f}234,56\u{a0}€");
    assert_eq!(
        PACK.market(Some("BE")).format_money(123_456, "EUR"),
        "1\u{202f}234,56\u{a0}€"
    );
    assert_eq!(
        PACK.market(Some("LU")).format_money(123_456, "EUR"),
        "1.234,56\u{a0}€"
    );
    let ch = PACK.market(Some("CH"));
    assert_eq!(ch.format_money(123_450, "CHF"), "CHF 1’234.50");
    // 2025-07-10 16:15:47 UTC is 18:15 in Paris (summer time), 17:15 in January.
    assert_eq!(fr.format_datetime(1_752_164_147), "10/07/2025 à 18h15");
    assert_eq!(fr.format_time(1_736_525_747), "17h15");
    assert_eq!(ch.format_datetime(1_752_164_147), "10.07.2025 à 18:15");
    // Summer time ends on 2025-10-26 at 01:00 UTC: 02:59 CEST, then 02:00 CET.
    assert_eq!(fr.format_time(1_761_440_399), "02h59");
    assert_eq!(fr.format_time(1_761_440_400), "02h00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
