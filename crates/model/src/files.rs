//! Evidence files as records: what the gateway keeps of a file a buyer sent or a marketplace
//! message named, and the limits on them. Writing, reading and fetching them is the
//! gateway's (`helloword::web::intake`, `helloword::ingest::attachments`).

use serde::{Deserialize, Serialize};

/// Largest image or PDF.
pub const MAX_DOCUMENT_BYTES: usize = 10 << 20;
/// Largest video.
pub const MAX_VIDEO_BYTES: usize = 50 << 20;
/// Files one ticket may collect.
pub const MAX_FILES_PER_TICKET: usize = 20;

/// A file the buyer sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceFile {
    /// Id within the ticket.
    pub id: u64,
    /// The ticket.
    pub ticket: u64,
    /// The name the buyer's file had (sanitised).
    pub name: String,
    /// MIME type, from the content.
    pub content_type: String,
    /// Size.
    pub bytes: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// When it arrived.
    pub received_at: jiff::Timestamp,
    /// Where the gateway fetches it from, for an attachment a marketplace message named
    /// (none for an upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The connector whose event named it (its `allowed_hosts` bound where it is fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Still to be fetched.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    /// Fetch attempts so far.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Why it could not be fetched or kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Why a file is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over the size limit for its kind.
    TooLarge(String),
    /// Not a photo, PDF or video.
    Unsupported(String),
    /// The disk or store failed.
    Storage(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooLarge(m) | Refusal::Unsupported(m) | Refusal::Storage(m) => f.write_str(m),
        }
    }
}
