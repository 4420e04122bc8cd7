//! The English pack against the SDK's conformance rules and its committed snapshot.

use locale_en::PACK;

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
    let us = PACK.market(Some("US"));
    let gb = PACK.market(Some("GB"));
    let ca = PACK.market(Some("CA"));
    let au = PACK.market(Some("AU"));
    let ie = PACK.market(Some("IE"));
    assert_eq!(us.format_money(123_456, "USD"), "$1,234.56");
    assert_eq!(us.format_money(123_456, "CAD"), "CA$1,234.56");
    assert_eq!(gb.format_money(123_456, "GBP"), "£1,234.56");
    assert_eq!(ca.format_money(123_456, "CAD"), "$1,234.56");
    assert_eq!(ca.format_money(123_456, "USD"), "US$1,234.56");
    assert_eq!(au.format_money(123_456, "AUD"), "$1,234.56");
    assert_eq!(ie.format_money(123_456, "EUR"), "€1,234.56");
    // A market missing from the pack falls back to the US.
    assert_eq!(PACK.market(Some("NZ")).market, "US");

    // 2025-07-10 16:15:47 UTC: 12:15 PM in New York (daylight time), 17:15 in London
    // (British Summer Time), 02:15 the next morning in Sydney.
    assert_eq!(us.format_datetime(1_752_164_147), "7/10/2025 at 12:15 PM");
    assert_eq!(gb.format_datetime(1_752_164_147), "10/07/2025 at 17:15");
    assert_eq!(ie.format_datetime(1_752_164_147), "10/07/2025 at 17:15");
    assert_eq!(ca.format_datetime(1_752_164_147), "2025-07-10 at 12:15 PM");
    assert_eq!(au.format_datetime(1_752_164_147), "11/07/2025 at 2:15 AM");
    // 2025-01-10 16:15:47 UTC: standard time, 11:15 AM in New York, 16:15 in London; summer
    // time (AEDT) in Sydney, 3:15 AM (it was written 2:15 AM when the pack knew only AEST).
    assert_eq!(us.format_time(1_736_525_747), "11:15 AM");
    assert_eq!(gb.format_time(1_736_525_747), "16:15");
    assert_eq!(au.format_time(1_736_525_747), "3:15 AM");
}

/// Sydney leaves summer time on the first Sunday of April (03:00 AEDT → 02:00 AEST) and
/// enters it on the first Sunday of October (02:00 AEST → 03:00 AEDT).
#[test]
fn australian_times_follow_sydney_across_its_summer_time_changes() {
    let au = PACK.market(Some("AU"));
    // 2025-04-05 15:59:59 UTC, and a second later.
    assert_eq!(au.format_datetime(1_743_868_799), "06/04/2025 at 2:59 AM");
    assert_eq!(au.format_datetime(1_743_868_800), "06/04/2025 at 2:00 AM");
    // 2025-10-04 15:59:59 UTC, and a second later.
    assert_eq!(au.format_datetime(1_759_593_599), "05/10/2025 at 1:59 AM");
    assert_eq!(au.format_datetime(1_759_593_600), "05/10/2025 at 3:00 AM");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
