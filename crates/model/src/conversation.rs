//! The conversation of a case: what the buyer wrote and what the seller answered, oldest
//! first.
//!
//! Messages are not a store of their own: each is a timeline entry
//! ([`Happening::BuyerWrote`] in, [`Happening::ReplySent`] and [`Happening::AutoReply`] out),
//! so they are written in the same commit as the ticket change that brought them, replayed
//! with it after a crash, exported, erased and purged with the timeline. [`conversation`]
//! reads them back as one thread.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::actions::{ActionState, OutboxEntry};
use crate::model::{Happening, Ticket, TimelineEntry};
use crate::types::{IssueKind, TicketEvent};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// From the buyer.
    In,
    /// To the buyer.
    Out,
}

/// One message of a case's conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// When it was written (inbound: the marketplace's time when it sent one).
    pub at: Timestamp,
    /// In or out.
    pub direction: Direction,
    /// Who wrote it: the buyer's name (or "buyer"), the agent, or "gateway" for an automatic
    /// reply.
    pub author: String,
    /// The way it travelled: the connector's id, or the event's `channel` attribute (e.g.
    /// "email").
    pub channel: String,
    /// What kind of text it is: "message", "return-note", "order-note", "review", "reply",
    /// "auto-reply".
    pub source: String,
    /// Its language (detected for inbound text, chosen for replies), when known.
    pub language: Option<String>,
    /// Subject line, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The text, verbatim.
    pub text: String,
    /// The marketplace's id for the message, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    /// Names of attached files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    /// Inbound: the inbox delivery that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<u64>,
    /// Outbound: the outbox action that carries it to the buyer (its state is the message's
    /// delivery state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<u64>,
}

/// Where an outbound message stands, from its outbox action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Delivery {
    /// In the outbox, not tried yet.
    Queued,
    /// Being handed to the marketplace or the mail server.
    Sending,
    /// An attempt failed in a way that may be retried; the next one is at `next_attempt_at`.
    Retrying {
        /// What went wrong.
        error: String,
        /// When the next attempt runs.
        next_attempt_at: Timestamp,
    },
    /// Delivered; the marketplace's or mail server's id for it when it gave one.
    Sent {
        /// That id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        marketplace_ref: Option<String>,
    },
    /// It will not be delivered without a human.
    Failed {
        /// Why.
        error: String,
    },
}

impl Delivery {
    /// The state of a message carried by `entry` (none: not queued yet, or recorded before
    /// replies were linked to their actions).
    pub fn of(entry: Option<&OutboxEntry>) -> Delivery {
        let Some(entry) = entry else {
            return Delivery::Queued;
        };
        match &entry.state {
            ActionState::Pending if entry.attempts == 0 => Delivery::Queued,
            ActionState::Pending => Delivery::Retrying {
                error: String::new(),
                next_attempt_at: entry.next_attempt_at,
            },
            ActionState::Sending => Delivery::Sending,
            ActionState::Unknown { error } => Delivery::Retrying {
                error: error.clone(),
                next_attempt_at: entry.next_attempt_at,
            },
            ActionState::Done { outcome } => Delivery::Sent {
                marketplace_ref: outcome.marketplace_ref.clone(),
            },
            ActionState::Failed { error } => Delivery::Failed {
                error: error.clone(),
            },
        }
    }
}

/// A message with, for an outbound one, where its delivery stands: what the API returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadItem {
    /// The message.
    #[serde(flatten)]
    pub message: Message,
    /// Outbound only: its delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_state: Option<Delivery>,
}

/// The conversation of `ticket` with each outbound message's delivery state from `outbox`
/// (the ticket's actions).
pub fn thread(
    ticket: &Ticket,
    timeline: &[TimelineEntry],
    outbox: &[OutboxEntry],
) -> Vec<ThreadItem> {
    conversation(ticket, timeline)
        .into_iter()
        .map(|message| {
            let delivery_state = (message.direction == Direction::Out).then(|| {
                Delivery::of(
                    message
                        .action
                        .and_then(|id| outbox.iter().find(|a| a.id == id)),
                )
            });
            ThreadItem {
                message,
                delivery_state,
            }
        })
        .collect()
}

/// What kind of buyer text an event of `kind` carries.
pub fn source_of(kind: IssueKind) -> &'static str {
    match kind {
        IssueKind::ReturnRequest => "return-note",
        IssueKind::OrderUpdate | IssueKind::CancellationRequest => "order-note",
        IssueKind::NegativeReview => "review",
        _ => "message",
    }
}

/// The timeline entry for the buyer's words in `event`, if it carries any.
///
/// `marketplace` is the connector's id; `at` is when the delivery was received, used when
/// the event does not say when it happened; `hint` is the case's language, when known.
pub fn buyer_wrote(
    delivery: u64,
    marketplace: &str,
    at: Timestamp,
    event: &TicketEvent,
    hint: Option<&str>,
) -> Option<TimelineEntry> {
    let text = event.buyer_text.as_deref()?;
    if text.trim().is_empty() {
        return None;
    }
    let attribute = |name: &str| crate::model::attribute(event, name).map(str::to_string);
    // The files the event brought (`attachment.<n>.name`, as the engine fetches them).
    let attachments = event
        .attributes
        .iter()
        .filter(|(k, _)| k.starts_with("attachment.") && k.ends_with(".name"))
        .map(|(_, v)| v.clone())
        .collect();
    let written = event
        .occurred_at
        .as_ref()
        .and_then(|t| Timestamp::new(t.seconds, t.nanoseconds as i32).ok())
        // A marketplace clock ahead of ours must not put the message in the future.
        .filter(|t| *t <= at)
        .unwrap_or(at);
    Some(TimelineEntry {
        at: written,
        what: Happening::BuyerWrote {
            delivery,
            author: event.customer.as_ref().and_then(|c| c.name.clone()),
            channel: attribute("channel").unwrap_or_else(|| marketplace.to_string()),
            source: source_of(event.kind).to_string(),
            // A connector names the message by `message_id`; one that answers by mail names
            // it as what a reply must refer to (`reply.message-id`).
            marketplace_id: attribute("message_id").or_else(|| attribute("reply.message-id")),
            language: detect_language(
                text,
                event
                    .customer
                    .as_ref()
                    .and_then(|c| c.preferred_locale.as_deref())
                    .or(hint),
            ),
            text: text.to_string(),
            attachments,
        },
    })
}

/// The conversation in `timeline`, oldest first.
pub fn conversation(ticket: &Ticket, timeline: &[TimelineEntry]) -> Vec<Message> {
    let mut thread: Vec<Message> = Vec::new();
    // An automatic reply's action is queued in the entry right after it.
    let mut awaiting_action: Option<usize> = None;
    for entry in timeline {
        match &entry.what {
            Happening::BuyerWrote {
                delivery,
                author,
                channel,
                source,
                marketplace_id,
                language,
                text,
                attachments,
            } => thread.push(Message {
                at: entry.at,
                direction: Direction::In,
                author: author.clone().unwrap_or_else(|| "buyer".into()),
                channel: channel.clone(),
                source: source.clone(),
                language: language.clone(),
                subject: None,
                text: text.clone(),
                marketplace_id: marketplace_id.clone(),
                attachments: attachments.clone(),
                delivery: Some(*delivery),
                action: None,
            }),
            Happening::ReplySent {
                by,
                language,
                subject,
                body,
                action,
                ..
            } => thread.push(Message {
                at: entry.at,
                direction: Direction::Out,
                author: by.clone(),
                channel: ticket.marketplace.clone(),
                source: "reply".into(),
                language: Some(language.clone()),
                subject: subject.clone(),
                text: body.clone(),
                marketplace_id: None,
                attachments: Vec::new(),
                delivery: None,
                action: *action,
            }),
            Happening::AutoReply {
                language,
                subject,
                body,
                ..
            } => {
                awaiting_action = Some(thread.len());
                thread.push(Message {
                    at: entry.at,
                    direction: Direction::Out,
                    author: "gateway".into(),
                    channel: ticket.marketplace.clone(),
                    source: "auto-reply".into(),
                    language: Some(language.clone()),
                    subject: Some(subject.clone()),
                    text: body.clone(),
                    marketplace_id: None,
                    attachments: Vec::new(),
                    delivery: None,
                    action: None,
                });
                continue;
            }
            Happening::ActionQueued { action, .. } => {
                if let Some(i) = awaiting_action {
                    thread[i].action = Some(*action);
                }
            }
            _ => {}
        }
        awaiting_action = None;
    }
    // Marketplace times may be earlier than the delivery that carried them.
    thread.sort_by_key(|m| m.at);
    thread
}

/// The languages told apart by their words: those the bundled language packs and most
/// sellers' buyers write in. A short list makes whatlang surer among them.
const WORD_LANGUAGES: [(whatlang::Lang, &str); 22] = {
    use whatlang::Lang::*;
    [
        (Eng, "en"),
        (Deu, "de"),
        (Fra, "fr"),
        (Spa, "es"),
        (Ita, "it"),
        (Por, "pt"),
        (Nld, "nl"),
        (Pol, "pl"),
        (Swe, "sv"),
        (Dan, "da"),
        (Nob, "no"),
        (Fin, "fi"),
        (Ces, "cs"),
        (Tur, "tr"),
        (Rus, "ru"),
        (Ukr, "uk"),
        (Ara, "ar"),
        (Hin, "hi"),
        (Vie, "vi"),
        (Ind, "id"),
        (Ron, "ro"),
        (Hun, "hu"),
    ]
};

/// The language `text` is written in, as an ISO 639-1 code, when it can be told: by its
/// script where one language owns it (kana, hangul, Han), else by whatlang's trigram model
/// when it is fairly sure, or when its best guess is `hint` (the buyer's preferred language,
/// a BCP 47 tag). Short texts it cannot place ("ok thanks") give none: the buyer's
/// preferred language then stands.
pub fn detect_language(text: &str, hint: Option<&str>) -> Option<String> {
    use whatlang::Script;
    static DETECTOR: std::sync::LazyLock<whatlang::Detector> = std::sync::LazyLock::new(|| {
        whatlang::Detector::with_allowlist(WORD_LANGUAGES.iter().map(|(l, _)| *l).collect())
    });
    let script = whatlang::detect_script(text)?;
    let by_script = match script {
        Script::Hiragana | Script::Katakana => Some("ja"),
        Script::Hangul => Some("ko"),
        Script::Mandarin => Some(if text.chars().any(is_kana) {
            "ja"
        } else {
            "zh"
        }),
        Script::Greek => Some("el"),
        Script::Thai => Some("th"),
        Script::Hebrew => Some("he"),
        _ => None,
    };
    if let Some(code) = by_script {
        return Some(code.into());
    }
    let info = DETECTOR.detect(text)?;
    let code = WORD_LANGUAGES
        .iter()
        .find(|(l, _)| *l == info.lang())
        .map(|(_, code)| *code)?;
    let hinted = hint
        .and_then(|h| h.split(['-', '_']).next())
        .is_some_and(|h| h.eq_ignore_ascii_case(code));
    // whatlang's own "reliable" is strict (a clear French sentence of 60 characters is not);
    // a confidence of one half still separates the languages of one script well.
    (info.is_reliable() || info.confidence() >= 0.5 || hinted).then(|| code.to_string())
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_told_by_script_and_by_words() {
        assert_eq!(
            detect_language(
                "Das Paket ist leider beschädigt angekommen, bitte helfen Sie mir.",
                None
            )
            .as_deref(),
            Some("de")
        );
        assert_eq!(
            detect_language(
                "Où est ma commande ? Elle devait arriver la semaine dernière.",
                None
            )
            .as_deref(),
            Some("fr")
        );
        assert_eq!(
            detect_language("¿Cuándo llega?\nGracias", None).as_deref(),
            Some("es")
        );
        assert_eq!(detect_language("包裹还没到", None).as_deref(), Some("zh"));
        assert_eq!(
            detect_language("荷物がまだ届いていません", None).as_deref(),
            Some("ja")
        );
        assert_eq!(
            detect_language("배송이 늦어요", None).as_deref(),
            Some("ko")
        );
        // Too short to tell: no guess rather than a wrong one.
        assert_eq!(detect_language("ok", None), None);
        assert_eq!(detect_language("It broke. Help!", None), None);
        // English is hard to be sure of by trigrams; the buyer's language confirms a guess,
        // never overrides a clear one.
        let english = "Please leave the parcel with the neighbour at number 12, thank you!";
        assert_eq!(detect_language(english, None), None);
        assert_eq!(
            detect_language(english, Some("en-GB")).as_deref(),
            Some("en")
        );
        assert_eq!(
            detect_language("Il pacco non è ancora arrivato", Some("en")).as_deref(),
            Some("it")
        );
    }
}
