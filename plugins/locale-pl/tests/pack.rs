//! The Polish pack against the SDK's conformance rules and its committed snapshot.

use locale_pl::PACK;

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
fn money_and_dates_are_written_the_polish_way() {
    let pl = PACK.market(Some("PL"));
    // Thousands are separated by a no-break space.
    assert_eq!(pl.format_money(123_456, "PLN"), "1\u{a0}234,56 zł");
    assert_eq!(
        pl.format_money(123_456_789, "PLN"),
        "1\u{a0}234\u{a0}567,89 zł"
    );
    assert_eq!(pl.format_money(4_999, "EUR"), "49,99 €");
    // 2025-07-10 16:15:47 UTC is 18:15 in Warsaw (summer time), 17:15 in January.
    assert_eq!(
        pl.format_datetime(1_752_164_147),
        "10.07.2025 o godz. 18:15"
    );
    assert_eq!(pl.format_time(1_736_525_747), "17:15");
    assert_eq!(pl.format_date(1_736_525_747), "10.01.2025");
    // 2025-03-30 01:00 UTC: summer time starts, 02:00 becomes 03:00.
    assert_eq!(pl.format_time(1_743_296_399), "01:59");
    assert_eq!(pl.format_time(1_743_296_400), "03:00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
