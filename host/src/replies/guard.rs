//! The compliance guard: checks a reply against the marketplace's messaging rules before
//! anything is sent.
//!
//! Phrase rules (review manipulation, incentives, review requests, marketing, moving the
//! buyer off the platform) come from the locale packs, in every language they write; contact
//! details and links are found here in any language; a reply not written in the buyer's
//! language is found by the [`Detector`](super::detect::Detector). Each finding names the
//! rule and the byte span in the text, and whether the marketplace forbids it outright.

use serde::Serialize;

use super::detect::Detector;
use crate::plugin::bindings::locale_api::ComplianceRule;
use crate::plugin::bindings::rules::{MessageRules, Verdict};

/// A messaging rule the guard enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Asks to change or remove a review or feedback.
    ReviewManipulation,
    /// Offers something in exchange for a review.
    Incentive,
    /// Asks for a review (Amazon: at most once per order, through its own channel).
    ReviewRequest,
    /// Marketing or promotional content.
    Marketing,
    /// Directs the buyer off the marketplace.
    OffPlatform,
    /// Contains an e-mail address.
    EmailAddress,
    /// Contains a phone number.
    PhoneNumber,
    /// Contains a link the order does not need.
    Link,
    /// Not written in the buyer's preferred language.
    WrongLanguage,
}

impl Rule {
    /// The rule's id, as in the API and the compliance corpora.
    pub fn id(self) -> &'static str {
        match self {
            Rule::ReviewManipulation => "review-manipulation",
            Rule::Incentive => "incentive",
            Rule::ReviewRequest => "review-request",
            Rule::Marketing => "marketing",
            Rule::OffPlatform => "off-platform",
            Rule::EmailAddress => "email-address",
            Rule::PhoneNumber => "phone-number",
            Rule::Link => "link",
            Rule::WrongLanguage => "wrong-language",
        }
    }

    /// What the rule forbids, for the agent.
    pub fn explanation(self) -> &'static str {
        match self {
            Rule::ReviewManipulation => "asks the buyer to change or remove a review or feedback",
            Rule::Incentive => "offers something in exchange for a review or feedback",
            Rule::ReviewRequest => "asks for a review; at most one review request per order",
            Rule::Marketing => "contains marketing or promotional content",
            Rule::OffPlatform => "directs the buyer away from the marketplace",
            Rule::EmailAddress => "contains an e-mail address",
            Rule::PhoneNumber => "contains a phone number",
            Rule::Link => "contains a link the order does not need",
            Rule::WrongLanguage => "is not written in the buyer's preferred language",
        }
    }

    fn from_pack(rule: ComplianceRule) -> Rule {
        match rule {
            ComplianceRule::ReviewManipulation => Rule::ReviewManipulation,
            ComplianceRule::Incentive => Rule::Incentive,
            ComplianceRule::ReviewRequest => Rule::ReviewRequest,
            ComplianceRule::Marketing => Rule::Marketing,
            ComplianceRule::OffPlatform => Rule::OffPlatform,
        }
    }

    /// Whether the marketplace whose messaging `rules` apply forbids what the rule finds.
    /// Buying or manipulating reviews is blocked everywhere (no marketplace and no consumer
    /// law allows it), and so is a second review request for one order; the rest is the
    /// marketplace's, as its connector declares (`[rules.messages]` of its plugin.toml).
    pub fn blocks_on(self, rules: &MessageRules, review_requests_sent: u32) -> bool {
        let verdict = match self {
            Rule::ReviewManipulation | Rule::Incentive => return true,
            Rule::ReviewRequest => return review_requests_sent > 0,
            Rule::WrongLanguage => rules.language,
            Rule::Marketing => rules.marketing,
            Rule::Link => rules.links,
            Rule::OffPlatform => rules.off_platform,
            Rule::EmailAddress | Rule::PhoneNumber => rules.contact_details,
        };
        verdict == Verdict::Block
    }
}

/// One thing the guard found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// What the rule forbids.
    pub explanation: &'static str,
    /// Byte offsets of the offending text: `text[start..end]`.
    pub start: usize,
    /// End of the span (exclusive).
    pub end: usize,
    /// The offending text.
    pub excerpt: String,
    /// Whether the marketplace forbids it (sending is blocked unless a lead overrides).
    pub blocking: bool,
}

/// What the guard needs to know about the message's context.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The messaging rules of the marketplace the reply goes through.
    pub rules: MessageRules,
    /// Domain labels of that marketplace's own sites, whose links are not reported.
    pub own_sites: &'a [String],
    /// The buyer's language (BCP 47), when known.
    pub language: Option<&'a str>,
    /// Strings of this order that may appear (order number, tracking number, tracking and
    /// return links): not reported as phone numbers or links.
    pub allowed: &'a [String],
    /// Review requests already sent for this order.
    pub review_requests_sent: u32,
}

/// One phrase from a pack, compiled.
#[derive(Debug, Clone)]
struct Pattern {
    rule: Rule,
    /// Literal parts between `*` wildcards, lower case.
    parts: Vec<Vec<char>>,
}

/// The guard with every loaded pack's phrases.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    patterns: Vec<Pattern>,
}

impl Guard {
    /// A guard for phrases `(rule, phrase)` gathered from the packs.
    pub fn new(phrases: impl IntoIterator<Item = (ComplianceRule, String)>) -> Guard {
        let mut patterns: Vec<Pattern> = phrases
            .into_iter()
            .filter_map(|(rule, phrase)| {
                let phrase = fold(phrase.trim());
                let parts: Vec<Vec<char>> = phrase
                    .split('*')
                    .map(|part| part.chars().collect())
                    .collect();
                parts.iter().any(|p| !p.is_empty()).then_some(Pattern {
                    rule: Rule::from_pack(rule),
                    parts,
                })
            })
            .collect();
        patterns.sort_by(|a, b| (a.rule, &a.parts).cmp(&(b.rule, &b.parts)));
        patterns.dedup_by(|a, b| a.rule == b.rule && a.parts == b.parts);
        Guard { patterns }
    }

    /// How many phrases the guard knows.
    pub fn phrase_count(&self) -> usize {
        self.patterns.len()
    }

    /// Everything in `text` that breaks a rule, in text order.
    pub fn check(&self, text: &str, ctx: &Context<'_>, detector: &Detector) -> Vec<Finding> {
        let folded = Folded::new(text);
        let mut findings = Vec::new();
        let mut push = |rule: Rule, start: usize, end: usize| {
            findings.push(Finding {
                rule,
                explanation: rule.explanation(),
                start,
                end,
                excerpt: text[start..end].to_string(),
                blocking: rule.blocks_on(&ctx.rules, ctx.review_requests_sent),
            });
        };
        for pattern in &self.patterns {
            if let Some((start, end)) = folded.find(&pattern.parts) {
                push(pattern.rule, start, end);
            }
        }
        for (start, end) in emails(text) {
            push(Rule::EmailAddress, start, end);
        }
        for (start, end) in phone_numbers(text) {
            if !is_allowed(&text[start..end], ctx.allowed) {
                push(Rule::PhoneNumber, start, end);
            }
        }
        for (start, end) in links(text) {
            let link = &text[start..end];
            if !is_allowed(link, ctx.allowed) && !is_marketplace_link(link, ctx.own_sites) {
                push(Rule::Link, start, end);
            }
        }
        if let Some(expected) = ctx.language
            && let Some(found) = detector.detect(text)
            && detector.knows(expected)
            && !same_language(&found, expected)
        {
            push(Rule::WrongLanguage, 0, text.len());
        }
        // One finding per rule and span; phrases overlapping ("bewertung ändern" inside
        // "bewertung zu ändern") are reported once per rule.
        findings.sort_by_key(|f| (f.start, f.rule));
        let mut seen_rules: Vec<(Rule, usize, usize)> = Vec::new();
        findings.retain(|f| {
            let overlaps = seen_rules
                .iter()
                .any(|(r, s, e)| *r == f.rule && f.start < *e && *s < f.end);
            if !overlaps {
                seen_rules.push((f.rule, f.start, f.end));
            }
            !overlaps
        });
        findings
    }
}

/// Whether two language tags name the same language ("pt-BR" and "pt", "de-AT" and "de").
pub fn same_language(a: &str, b: &str) -> bool {
    let primary = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    primary(a) == primary(b)
}

fn is_allowed(found: &str, allowed: &[String]) -> bool {
    let found = found.trim_end_matches(['.', ',', ')', ';', ':']);
    allowed
        .iter()
        .any(|a| !a.is_empty() && (a.contains(found) || found.starts_with(a.as_str())))
}

/// Links to the marketplace itself (its help pages, the order page) are allowed: a host
/// with one of `own_sites` as a label.
fn is_marketplace_link(link: &str, own_sites: &[String]) -> bool {
    let host = link
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    host.split('.')
        .any(|label| own_sites.iter().any(|own| own == label))
}

/// Fold `c` the way phrases and texts are compared: lower case (Turkish dotted capital I
/// as plain i), typographic apostrophes, hyphens and spaces as their plain forms, Arabic
/// short vowels and shadda dropped.
fn fold_char(c: char, mut emit: impl FnMut(char)) {
    match c {
        '’' | '‘' => emit('\''),
        '‐' | '‑' | '–' => emit('-'),
        '\u{a0}' | '\u{202f}' => emit(' '),
        'İ' => emit('i'),
        '\u{064B}'..='\u{0652}' | '\u{0670}' => {}
        c => c.to_lowercase().for_each(emit),
    }
}

fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, |f| out.push(f));
    }
    out
}

/// Lower-cased text with each char's byte offset in the original, so spans found in the
/// folded text map back exactly (lower-casing can change a char's length).
struct Folded {
    chars: Vec<char>,
    offsets: Vec<usize>,
    end: usize,
}

impl Folded {
    fn new(text: &str) -> Folded {
        let mut chars = Vec::with_capacity(text.len());
        let mut offsets = Vec::with_capacity(text.len());
        for (offset, c) in text.char_indices() {
            fold_char(c, |lower| {
                chars.push(lower);
                offsets.push(offset);
            });
        }
        Folded {
            chars,
            offsets,
            end: text.len(),
        }
    }

    fn byte_end(&self, index: usize) -> usize {
        self.offsets.get(index).copied().unwrap_or(self.end)
    }

    /// The first match of `parts` (literals separated by `*`, each `*` a run of letters
    /// within one word), as a byte span of the original text.
    fn find(&self, parts: &[Vec<char>]) -> Option<(usize, usize)> {
        let first = parts.first()?;
        for start in 0..self.chars.len() {
            if let Some(end) = self.match_from(start, first, &parts[1..]) {
                // A word-initial phrase must not start inside a word ("rate us" in "pirate
                // us"), unless the language writes without spaces.
                let at_boundary =
                    start == 0 || !self.chars[start - 1].is_alphanumeric() || !is_spaced(first);
                if at_boundary {
                    return Some((self.offsets[start], self.byte_end(end)));
                }
            }
        }
        None
    }

    fn match_from(&self, at: usize, literal: &[char], rest: &[Vec<char>]) -> Option<usize> {
        let end = at + literal.len();
        if self.chars.get(at..end)? != literal {
            return None;
        }
        let Some((next, rest)) = rest.split_first() else {
            return Some(end);
        };
        // `*`: any run of letters (possibly empty), then the next literal.
        let mut cursor = end;
        loop {
            if let Some(found) = self.match_from(cursor, next, rest) {
                return Some(found);
            }
            match self.chars.get(cursor) {
                Some(c) if c.is_alphabetic() => cursor += 1,
                _ => return None,
            }
        }
    }
}

/// Whether a phrase comes from a language that separates words with spaces (a phrase in
/// Japanese matches anywhere).
fn is_spaced(literal: &[char]) -> bool {
    literal.iter().all(|c| {
        !matches!(*c as u32,
            0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F)
    })
}

/// Spans of e-mail addresses: a local part, `@`, and a domain with a dot.
fn emails(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let domain = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    let mut spans = Vec::new();
    for (at, _) in text.match_indices('@') {
        let mut start = at;
        while start > 0 && local(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        let host = text[at + 1..end].trim_end_matches(['.', '-']);
        let end = at + 1 + host.len();
        if start < at && host.contains('.') && !host.starts_with('.') {
            spans.push((start, end));
        }
    }
    spans
}

/// Spans of phone numbers: an optional `+`, then 7 to 15 digits separated by at most single
/// spaces, dashes or parentheses. Dots are not separators (dates, amounts), and longer runs
/// are tracking or order numbers, not phones.
fn phone_numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            || (bytes[i] == b'+' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            || (bytes[i] == b'(' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        let glued = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.');
        if !starts || glued {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = 0;
        let mut end = i;
        let mut j = i;
        while j < bytes.len() {
            let b = bytes[j];
            if b.is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if (b == b' '
                || b == b'-'
                || b == b'('
                || b == b')'
                || (b == b'+' && j == start))
                && bytes
                    .get(j + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'(')
            {
                j += 1;
            } else {
                break;
            }
        }
        let followed_by_word = bytes.get(end).is_some_and(|b| b.is_ascii_alphabetic());
        let decimal = bytes.get(end) == Some(&b'.') || bytes.get(end) == Some(&b',');
        let decimal = decimal && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if (7..=15).contains(&digits)
            && !followed_by_word
            && !decimal
            && !is_date(&text[start..end])
        {
            spans.push((start, end));
        }
        i = end.max(i + 1);
    }
    spans
}

/// Whether `run` is a date written with dashes: 2025-07-10 or 10-07-2025.
fn is_date(run: &str) -> bool {
    let parts: Vec<&str> = run.split('-').collect();
    let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    parts.len() == 3
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && matches!(lengths.as_slice(), [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4])
}

/// Spans of links: `http://`, `https://` or `www.` up to the next space.
fn links(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for marker in ["https://", "http://", "www."] {
        for (start, _) in lower.match_indices(marker) {
            if spans.iter().any(|(s, e)| (*s..*e).contains(&start)) {
                continue;
            }
            let end = text[start..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>'))
                .map_or(text.len(), |n| start + n);
            let trimmed = text[start..end].trim_end_matches(['.', ',', ')', ';', ':', '!', '?']);
            spans.push((start, start + trimmed.len()));
        }
    }
    spans.sort_unstable();
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new([
            (
                ComplianceRule::ReviewManipulation,
                "change your review".to_string(),
            ),
            (
                ComplianceRule::ReviewManipulation,
                "modifi* votre avis".to_string(),
            ),
            (ComplianceRule::Incentive, "レビューを書いて".to_string()),
            (ComplianceRule::ReviewRequest, "rate us".to_string()),
        ])
    }

    fn rules(text: &str, ctx: &Context<'_>) -> Vec<&'static str> {
        guard()
            .check(text, ctx, &Detector::default())
            .iter()
            .map(|f| f.rule.id())
            .collect()
    }

    const STRICT: MessageRules = MessageRules {
        links: Verdict::Block,
        contact_details: Verdict::Block,
        off_platform: Verdict::Block,
        marketing: Verdict::Block,
        language: Verdict::Block,
    };

    /// Amazon's rules as plugins/amazon/plugin.toml declares them.
    fn amazon() -> Context<'static> {
        static OWN: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["amazon".to_string()]);
        Context {
            rules: STRICT,
            own_sites: &OWN,
            ..Context::default()
        }
    }

    #[test]
    fn phrases_match_case_insensitively_with_spans_in_the_original_text() {
        let text = "Hello! Could you CHANGE YOUR REVIEW please?";
        let found = guard().check(text, &amazon(), &Detector::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].excerpt, "CHANGE YOUR REVIEW");
        assert_eq!(&text[found[0].start..found[0].end], "CHANGE YOUR REVIEW");
        assert!(found[0].blocking);
    }

    #[test]
    fn a_wildcard_matches_letters_within_one_word_only() {
        assert_eq!(
            rules("Pourriez-vous modifier votre avis ?", &amazon()),
            ["review-manipulation"]
        );
        assert_eq!(
            rules("Pourriez-vous modifiez votre avis ?", &amazon()),
            ["review-manipulation"]
        );
        assert!(rules("modifi et votre avis", &amazon()).is_empty());
        // Not inside another word.
        assert!(rules("the pirate us ship", &amazon()).is_empty());
        // Japanese phrases match anywhere.
        assert_eq!(
            rules("ぜひレビューを書いてください", &amazon()),
            ["incentive"]
        );
        // Typographic apostrophes, the Turkish dotted İ and Arabic short vowels fold away.
        let guard = Guard::new([
            (
                ComplianceRule::Incentive,
                "in exchange for a 5’ review".to_string(),
            ),
            (ComplianceRule::ReviewRequest, "iyi yorum".to_string()),
            (
                ComplianceRule::ReviewManipulation,
                "حذف التقييم".to_string(),
            ),
        ]);
        let found = |text: &str| -> Vec<&str> {
            guard
                .check(text, &amazon(), &Detector::default())
                .iter()
                .map(|f| f.rule.id())
                .collect()
        };
        assert_eq!(found("In exchange for a 5' review"), ["incentive"]);
        assert_eq!(found("İYİ YORUM bekliyoruz"), ["review-request"]);
        assert_eq!(found("نرجو حذفَ التقييمِ"), ["review-manipulation"]);
    }

    #[test]
    fn contact_details_are_found_in_any_language() {
        assert_eq!(
            rules("Écrivez à service@shop.fr.", &amazon()),
            ["email-address"]
        );
        assert_eq!(
            rules("Call +49 30 1234567 today", &amazon()),
            ["phone-number"]
        );
        assert_eq!(rules("Tel. (030) 123-4567", &amazon()), ["phone-number"]);
        assert_eq!(
            rules("see https://shop.example/sale, thanks", &amazon()),
            ["link"]
        );
        assert_eq!(rules("visit www.shop.example", &amazon()), ["link"]);
    }

    #[test]
    fn order_facts_dates_and_amounts_are_not_contact_details() {
        let allowed = vec![
            "112-1234567-1234567".to_string(),
            "1Z999AA10123456784".to_string(),
            "https://track.example/1Z999AA10123456784".to_string(),
        ];
        let ctx = Context {
            allowed: &allowed,
            ..amazon()
        };
        for text in [
            "Order 112-1234567-1234567 ships with tracking 1Z999AA10123456784.",
            "Track it at https://track.example/1Z999AA10123456784 please.",
            "Delivered on 10.07.2025 at 18:15; refund of 1.234.567,89 € follows.",
            "Tracking 00340434161094015902 with DHL.",
            "Zugestellt am 10-07-2025, Rückgabe bis 2025-07-24.",
            "See your order at https://www.amazon.de/gp/your-account/order-history",
        ] {
            assert!(
                rules(text, &ctx).is_empty(),
                "{text}: {:?}",
                rules(text, &ctx)
            );
        }
    }

    #[test]
    fn what_blocks_is_the_marketplaces_rules_but_reviews_are_never_for_sale() {
        let own_store = MessageRules {
            links: Verdict::Warn,
            contact_details: Verdict::Warn,
            off_platform: Verdict::Warn,
            marketing: Verdict::Warn,
            language: Verdict::Warn,
        };
        for rule in [
            Rule::EmailAddress,
            Rule::PhoneNumber,
            Rule::Link,
            Rule::Marketing,
        ] {
            assert!(rule.blocks_on(&STRICT, 0), "{rule:?}");
            assert!(!rule.blocks_on(&own_store, 0), "{rule:?}");
        }
        assert!(Rule::WrongLanguage.blocks_on(&STRICT, 0));
        assert!(!Rule::WrongLanguage.blocks_on(&own_store, 0));
        assert!(Rule::Incentive.blocks_on(&own_store, 0));
        assert!(Rule::ReviewManipulation.blocks_on(&own_store, 0));
        assert!(!Rule::ReviewRequest.blocks_on(&STRICT, 0));
        assert!(Rule::ReviewRequest.blocks_on(&own_store, 1));
        // A connector that declares nothing gets what every marketplace got before rules
        // were data: contact details and off-platform blocked, links and marketing shown.
        let none = MessageRules::default();
        assert!(Rule::EmailAddress.blocks_on(&none, 0));
        assert!(Rule::OffPlatform.blocks_on(&none, 0));
        assert!(!Rule::Link.blocks_on(&none, 0));
        assert!(!Rule::Marketing.blocks_on(&none, 0));
    }

    #[test]
    fn links_to_the_marketplaces_own_sites_are_allowed() {
        let text = "See https://www.amazon.de/gp/help and https://shop.example/x";
        assert_eq!(rules(text, &amazon()), ["link"]);
        let elsewhere = Context {
            own_sites: &[],
            ..amazon()
        };
        assert_eq!(rules(text, &elsewhere), ["link", "link"]);
    }
}
