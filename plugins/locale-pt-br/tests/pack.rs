//! The Brazilian Portuguese pack against the SDK's conformance rules and its committed snapshot.

use locale_pt_br::PACK;

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
fn money_and_dates_are_written_the_brazilian_way() {
    let br = PACK.market(Some("BR"));
    assert_eq!(br.format_money(123_456, "BRL"), "R$ 1.234,56");
    assert_eq!(br.format_money(123_456_789, "BRL"), "R$ 1.234.567,89");
    assert_eq!(br.format_money(4_999, "USD"), "US$ 49,99");
    // 2025-07-10 16:15:47 UTC is 13:15 in São Paulo, and so is 2025-01-10 16:15:47 UTC:
    // Brazil has kept UTC−3 all year since 2019.
    assert_eq!(br.format_datetime(1_752_164_147), "10/07/2025 às 13:15");
    assert_eq!(br.format_datetime(1_736_525_747), "10/01/2025 às 13:15");
    // 2025-07-11 02:00 UTC is still the evening of the 10th in Brazil.
    assert_eq!(br.format_datetime(1_752_199_200), "10/07/2025 às 23:00");
}

/// Agents on the Chinese dashboard read every tip in Chinese, none in English.
#[test]
fn every_culture_tip_has_a_chinese_text() {
    assert_eq!(PACK.untranslated_tips("zh-CN"), Vec::<&str>::new());
}
