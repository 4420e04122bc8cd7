//! The Turkish pack against the SDK's conformance rules and its committed snapshot.

use locale_tr::PACK;

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
fn money_and_dates_are_written_the_turkish_way() {
    let tr = PACK.market(Some("TR"));
    assert_eq!(tr.format_money(123_456, "TRY"), "1.234,56 ₺");
    assert_eq!(tr.format_money(99_990, "TRY"), "999,90 ₺");
    assert_eq!(tr.format_money(123_456_789, "EUR"), "1.234.567,89 €");
    // 2025-07-10 16:15:47 UTC is 19:15 in Istanbul (UTC+3 all year, also in winter).
    assert_eq!(tr.format_datetime(1_752_164_147), "10.07.2025 saat 19:15");
    assert_eq!(tr.format_time(1_767_195_000), "18:30");
    // 2025-03-01 21:05 UTC is already 2 March in Türkiye.
    assert_eq!(tr.format_date(1_740_863_100), "02.03.2025");
    assert_eq!(PACK.market(None).market, "TR");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
