//! German language and culture pack (DE, AT, CH).
//!
//! This first version covers three scenarios; the full set of emergency scenarios arrives
//! with the replies issue (#5). Money is written the German way (1.234,56 €) and dates as
//! DD.MM.YYYY.

use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, Value,
};
use helloword_sdk::money::{exponent, to_decimal_string};
use helloword_sdk::time::civil_from_days;

struct German;

const SCENARIOS: &[&str] = &["delivered-not-received", "damaged-item", "off-hours-ack"];

fn text(req: &RenderRequest, name: &str) -> Result<String, RenderError> {
    let value = req
        .variables
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .ok_or_else(|| RenderError::MissingVariable(name.to_string()))?;
    Ok(match value {
        Value::Text(t) | Value::Url(t) => t.clone(),
        Value::Money(m) => format_money(m.minor_units, &m.currency),
        Value::Datetime(t) => format_date(t.seconds),
    })
}

/// 1234.56 EUR → "1.234,56 €".
fn format_money(minor_units: i64, currency: &str) -> String {
    let plain = to_decimal_string(minor_units, currency);
    let (sign, digits) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |d| ("-", d));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let symbol = match currency {
        "EUR" => "€",
        "CHF" => "CHF",
        other => other,
    };
    if exponent(currency) == 0 {
        format!("{sign}{grouped} {symbol}")
    } else {
        format!("{sign}{grouped},{fraction} {symbol}")
    }
}

/// Seconds since the epoch → "DD.MM.YYYY" (UTC date).
fn format_date(seconds: i64) -> String {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    format!("{day:02}.{month:02}.{year}")
}

impl LocalePack for German {
    fn describe() -> PackInfo {
        PackInfo {
            languages: vec!["de".into()],
            markets: vec!["DE".into(), "AT".into(), "CH".into()],
            scenarios: SCENARIOS.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn render(req: RenderRequest) -> Result<Rendered, RenderError> {
        if !req.language.eq_ignore_ascii_case("de") && !req.language.starts_with("de-") {
            return Err(RenderError::UnsupportedLanguage(req.language));
        }
        let order = text(&req, "order-number")?;
        let buyer = text(&req, "buyer-name")?;
        let (subject, body) = match req.scenario.as_str() {
            "delivered-not-received" => (
                format!("Ihre Bestellung {order}: Zustellung laut Sendungsverfolgung"),
                format!(
                    "Guten Tag {buyer},\n\nlaut {carrier} wurde Ihre Sendung {tracking} am {date} zugestellt. \
                     Bitte prüfen Sie Briefkasten, Nachbarn und Abstellort. Wir haben parallel eine \
                     Nachforschung beim Versanddienstleister eingeleitet und melden uns spätestens in \
                     zwei Werktagen mit dem Ergebnis.\n\nMit freundlichen Grüßen\n{agent}",
                    carrier = text(&req, "carrier")?,
                    tracking = text(&req, "tracking-number")?,
                    date = text(&req, "delivered-at")?,
                    agent = text(&req, "agent-name")?,
                ),
            ),
            "damaged-item" => (
                format!("Ihre Bestellung {order}: beschädigte Ware"),
                format!(
                    "Guten Tag {buyer},\n\nes tut uns leid, dass Ihre Ware beschädigt angekommen ist. \
                     Wir senden Ihnen umgehend kostenlos Ersatz per Expressversand; eine Rücksendung ist \
                     nicht nötig.\n\nMit freundlichen Grüßen\n{agent}",
                    agent = text(&req, "agent-name")?,
                ),
            ),
            "off-hours-ack" => (
                format!("Ihre Nachricht zu Bestellung {order} ist eingegangen"),
                format!(
                    "Guten Tag {buyer},\n\nvielen Dank für Ihre Nachricht. Unser Team antwortet Ihnen \
                     persönlich bis {time}.\n\nMit freundlichen Grüßen\n{agent}",
                    time = text(&req, "answer-by")?,
                    agent = text(&req, "agent-name")?,
                ),
            ),
            other => return Err(RenderError::UnknownScenario(other.to_string())),
        };
        Ok(Rendered {
            subject,
            body,
            direction: Direction::LeftToRight,
        })
    }

    fn culture_tips(market: String) -> Vec<CultureTip> {
        match market.as_str() {
            "DE" | "AT" | "CH" => vec![
                CultureTip {
                    title: "Precise facts".into(),
                    text: "Give exact dates, amounts and tracking numbers; vague promises read as evasive.".into(),
                },
                CultureTip {
                    title: "Formal address".into(),
                    text: "Use \"Sie\" and \"Guten Tag\", never first-name familiarity with a buyer.".into(),
                },
            ],
            _ => vec![],
        }
    }

    fn compliance_phrases(language: String) -> Vec<CompliancePhrase> {
        if language != "de" {
            return vec![];
        }
        let phrase = |rule, p: &str| CompliancePhrase {
            rule,
            phrase: p.into(),
        };
        vec![
            phrase(ComplianceRule::ReviewManipulation, "bewertung ändern"),
            phrase(ComplianceRule::ReviewManipulation, "bewertung entfernen"),
            phrase(ComplianceRule::ReviewManipulation, "bewertung löschen"),
            phrase(ComplianceRule::Incentive, "gegen eine positive bewertung"),
            phrase(
                ComplianceRule::ReviewRequest,
                "hinterlassen sie eine bewertung",
            ),
        ]
    }
}

helloword_sdk::export_locale!(German);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_dates_are_written_the_german_way() {
        assert_eq!(format_money(123_456, "EUR"), "1.234,56 €");
        assert_eq!(format_money(-5, "EUR"), "-0,05 €");
        assert_eq!(format_money(1500, "JPY"), "1.500 JPY");
        assert_eq!(format_date(1_752_164_147), "10.07.2025");
    }
}
