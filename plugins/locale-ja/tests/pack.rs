//! The Japanese pack against the SDK's conformance rules and its committed snapshot.

use locale_ja::PACK;

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
fn money_and_dates_are_written_the_japanese_way() {
    let jp = PACK.market(Some("JP"));
    // The yen has no minor units: 1235 is ¥1,235.
    assert_eq!(jp.format_money(1_235, "JPY"), "¥1,235");
    assert_eq!(jp.format_money(1_234_567, "JPY"), "¥1,234,567");
    assert_eq!(jp.format_money(1_250, "USD"), "US$12.50");
    // 2025-07-10 16:15:47 UTC is already 11 July, 01:15 in Tokyo (UTC+9, no summer time).
    assert_eq!(jp.format_datetime(1_752_164_147), "2025年7月11日 01:15");
    // 2025-12-31 15:30 UTC is New Year's Day in Japan.
    assert_eq!(jp.format_date(1_767_195_000), "2026年1月1日");
    assert_eq!(jp.format_time(1_767_195_000), "00:30");
    // The pack's default market is Japan.
    assert_eq!(PACK.market(None).market, "JP");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
