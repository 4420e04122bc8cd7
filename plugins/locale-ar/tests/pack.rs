//! The Arabic pack against the SDK's conformance rules and its committed snapshot.

use helloword_sdk::locale::Direction;
use locale_ar::PACK;

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
fn money_and_dates_are_written_the_way_each_market_does() {
    assert_eq!(PACK.direction, Direction::RightToLeft);
    let sa = PACK.market(Some("SA"));
    let ae = PACK.market(Some("AE"));
    let eg = PACK.market(Some("EG"));
    // Western digits, the local currency after the amount.
    assert_eq!(sa.format_money(123_456, "SAR"), "1,234.56 ر.س.");
    assert_eq!(ae.format_money(123_456, "AED"), "1,234.56 د.إ.");
    assert_eq!(eg.format_money(123_456, "EGP"), "1,234.56 ج.م.");
    assert_eq!(sa.format_money(1_999, "USD"), "19.99 $");
    // 2025-07-10 16:15:47 UTC: 19:15 in Riyadh (UTC+3), 20:15 in Dubai (UTC+4), 19:15 in
    // Cairo (Egyptian summer time, UTC+3; it was written 18:15 when the pack knew only UTC+2).
    assert_eq!(sa.format_datetime(1_752_164_147), "10/07/2025 الساعة 19:15");
    assert_eq!(ae.format_time(1_752_164_147), "20:15");
    assert_eq!(eg.format_time(1_752_164_147), "19:15");
    // 2025-03-01 21:05 UTC is already 2 March in Riyadh and Dubai, still 1 March in Cairo.
    assert_eq!(sa.format_date(1_740_863_100), "02/03/2025");
    assert_eq!(ae.format_datetime(1_740_863_100), "02/03/2025 الساعة 01:05");
    assert_eq!(eg.format_datetime(1_740_863_100), "01/03/2025 الساعة 23:05");
    assert_eq!(PACK.market(None).market, "SA");
}

/// Egypt is on summer time (UTC+3) from the last Friday of April (00:00 → 01:00) to the last
/// Thursday of October (24:00 → 23:00), as again since 2023.
#[test]
fn egyptian_times_follow_cairo_across_its_summer_time_changes() {
    let eg = PACK.market(Some("EG"));
    // 2025-04-24 21:59:59 UTC, and a second later.
    assert_eq!(eg.format_datetime(1_745_531_999), "24/04/2025 الساعة 23:59");
    assert_eq!(eg.format_datetime(1_745_532_000), "25/04/2025 الساعة 01:00");
    // 2025-10-30 20:59:59 UTC, and a second later.
    assert_eq!(eg.format_datetime(1_761_857_999), "30/10/2025 الساعة 23:59");
    assert_eq!(eg.format_datetime(1_761_858_000), "30/10/2025 الساعة 23:00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
