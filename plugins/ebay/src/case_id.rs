//! The connector's case ids: what a ticket is about, written so that an action handed back
//! by the host says which eBay API object to act on.
//!
//! | case id | eBay object |
//! |---|---|
//! | `return:<returnId>` | Post-Order return |
//! | `inquiry:<inquiryId>` | Post-Order item-not-received inquiry |
//! | `case:<caseId>` | Post-Order case (Money Back Guarantee, escalated) |
//! | `cancel:<cancelId>` | Post-Order cancellation request |
//! | `dispute:<paymentDisputeId>` | Fulfillment payment dispute |
//! | `conversation:<conversationId>` | Message API conversation |
//! | `message:<buyer>:<itemId>` | a buyer's questions about one listing |
//! | `feedback:<feedbackId>` | a feedback entry |
//! | `privacy:<userId>` | an account-deletion request |

use std::fmt;

/// A parsed case id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseRef {
    /// `return:<id>`
    Return(String),
    /// `inquiry:<id>`
    Inquiry(String),
    /// `case:<id>`
    Case(String),
    /// `cancel:<id>`
    Cancel(String),
    /// `dispute:<id>`
    Dispute(String),
    /// `conversation:<id>`
    Conversation(String),
    /// `message:<buyer>:<item id>`
    Message {
        /// The buyer's eBay user name.
        buyer: String,
        /// The listing the messages are about.
        item: String,
    },
    /// `feedback:<id>`
    Feedback(String),
    /// `privacy:<user id>`
    Privacy(String),
}

impl CaseRef {
    /// Parse a case id; `None` for anything that is not this connector's.
    pub fn parse(text: &str) -> Option<CaseRef> {
        let (kind, rest) = text.trim().split_once(':')?;
        let id = || (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string());
        Some(match kind {
            "return" => CaseRef::Return(id()?),
            "inquiry" => CaseRef::Inquiry(id()?),
            "case" => CaseRef::Case(id()?),
            "cancel" => CaseRef::Cancel(id()?),
            "dispute" => CaseRef::Dispute(id()?),
            "conversation" => CaseRef::Conversation(id()?),
            "feedback" => CaseRef::Feedback(id()?),
            "privacy" => CaseRef::Privacy(id()?),
            "message" => {
                // Item ids are digits; a user name may contain ':'? It may not, but split
                // from the right so that only the item id has to be clean.
                let (buyer, item) = rest.rsplit_once(':')?;
                if buyer.is_empty() || item.is_empty() {
                    return None;
                }
                CaseRef::Message {
                    buyer: buyer.to_string(),
                    item: item.to_string(),
                }
            }
            _ => return None,
        })
    }

    /// What the case is, for messages: "return 5300000000".
    pub fn describe(&self) -> String {
        match self {
            CaseRef::Return(id) => format!("return {id}"),
            CaseRef::Inquiry(id) => format!("inquiry {id}"),
            CaseRef::Case(id) => format!("case {id}"),
            CaseRef::Cancel(id) => format!("cancellation {id}"),
            CaseRef::Dispute(id) => format!("payment dispute {id}"),
            CaseRef::Conversation(id) => format!("conversation {id}"),
            CaseRef::Message { buyer, item } => format!("{buyer}'s messages about item {item}"),
            CaseRef::Feedback(id) => format!("feedback {id}"),
            CaseRef::Privacy(id) => format!("privacy request of user {id}"),
        }
    }
}

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseRef::Return(id) => write!(f, "return:{id}"),
            CaseRef::Inquiry(id) => write!(f, "inquiry:{id}"),
            CaseRef::Case(id) => write!(f, "case:{id}"),
            CaseRef::Cancel(id) => write!(f, "cancel:{id}"),
            CaseRef::Dispute(id) => write!(f, "dispute:{id}"),
            CaseRef::Conversation(id) => write!(f, "conversation:{id}"),
            CaseRef::Message { buyer, item } => write!(f, "message:{buyer}:{item}"),
            CaseRef::Feedback(id) => write!(f, "feedback:{id}"),
            CaseRef::Privacy(id) => write!(f, "privacy:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for text in [
            "return:5300000000",
            "inquiry:1",
            "case:5000000001",
            "cancel:2",
            "dispute:5000000000",
            "conversation:c-1",
            "message:example_buyer:100000000000",
            "feedback:9",
            "privacy:ma8vp1jySJC",
        ] {
            let parsed = CaseRef::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn foreign_or_malformed_ids_are_none() {
        for text in [
            "",
            "return:",
            "gid://shopify/Return/1",
            "order:1",
            "message:x",
            "return:a/b",
        ] {
            assert_eq!(CaseRef::parse(text), None, "{text}");
        }
    }
}
