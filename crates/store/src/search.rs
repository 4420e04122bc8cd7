//! Finding a case by what an agent remembers of it: the order number, the buyer's name or
//! e-mail address, a tracking number, or words the buyer or the seller wrote.
//!
//! An inverted index in two trees, written in the same commit as the ticket change that
//! brought the words (so it can neither miss a message nor outlive an erasure):
//!
//! - `search`: term, a zero byte, the ticket id (u64 big-endian) → the ticket's order id
//!   (empty when it has none). A prefix scan on a term finds every ticket with a word
//!   starting with it, and the order each belongs to.
//! - `search_terms`: ticket id, then the term → empty. An erasure removes a ticket's terms
//!   with one prefix scan, and a query's further words are checked per candidate ticket with
//!   one short prefix scan each instead of reading their whole posting lists.
//!
//! Terms are lower-cased words of letters and digits (at least two characters, at most 40
//! bytes); text in Chinese, Japanese or Korean script is cut into overlapping pairs of
//! characters, since it has no spaces. No crate does this for an ordered key-value store
//! (tantivy keeps an index of its own beside the data, outside our transactions), so it is
//! written here; it is a few dozen lines.

use std::collections::BTreeSet;

use helloword_model::model::{Happening, Ticket, TicketId};

use super::backend::Op;
use super::tickets::TicketWrite;
use super::{Store, StoreError};

/// The longest term kept, in bytes; longer words are cut (on a character boundary).
const MAX_TERM: usize = 40;

/// How many postings of a query's first word are read at most: a word common to most
/// tickets gives some of its matches instead of a scan of the whole index.
const MAX_CANDIDATES: usize = 50_000;

/// How many postings of each word of a multi-word query are counted to find the rarest: a
/// short range scan per word, so the candidates come from the word with the fewest tickets
/// (a buyer's surname, not their common first name).
const RARITY_PROBE: usize = 2_000;

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // kana
        | '\u{3400}'..='\u{4dbf}' // Han extension A
        | '\u{4e00}'..='\u{9fff}' // Han
        | '\u{ac00}'..='\u{d7af}' // Hangul syllables
        | '\u{f900}'..='\u{faff}') // Han compatibility
}

/// The terms of `text`, in order of appearance (with repeats).
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut cjk: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        if word.chars().count() >= 2 {
            let mut end = word.len().min(MAX_TERM);
            while !word.is_char_boundary(end) {
                end -= 1;
            }
            out.push(word[..end].to_string());
        }
        word.clear();
    };
    let flush_cjk = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|pair| pair.iter().collect::<String>())),
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            cjk.push(c);
        } else if c.is_alphanumeric() {
            flush_cjk(&mut cjk, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_cjk(&mut cjk, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_cjk(&mut cjk, &mut out);
    out
}

/// The terms of a ticket's own fields: its order, the buyer's name and profile key (the
/// e-mail address for buyers known by one), the tracking number.
fn field_terms(ticket: &Ticket) -> BTreeSet<String> {
    let facts = &ticket.facts;
    [
        ticket.order_id.as_deref(),
        facts.order_name.as_deref(),
        facts.buyer_name.as_deref(),
        ticket.customer.as_deref(),
        facts.tracking_number.as_deref(),
    ]
    .into_iter()
    .flatten()
    .flat_map(terms)
    .collect()
}

/// The terms a ticket change adds to the index: its fields' new terms, and the words of the
/// messages it appends (the buyer's, the agents' replies).
pub(crate) fn new_terms(write: &TicketWrite) -> BTreeSet<String> {
    let mut found = field_terms(&write.after);
    if let Some(before) = &write.before {
        for old in field_terms(before) {
            found.remove(&old);
        }
    }
    for entry in &write.entries {
        match &entry.what {
            Happening::BuyerWrote { text, author, .. } => {
                found.extend(terms(text));
                found.extend(author.iter().flat_map(|a| terms(a)));
            }
            Happening::ReplySent { body, subject, .. } => {
                found.extend(terms(body));
                found.extend(subject.iter().flat_map(|s| terms(s)));
            }
            _ => {}
        }
    }
    found
}

fn posting_key(term: &str, ticket: TicketId) -> Vec<u8> {
    [term.as_bytes(), &[0], &ticket.to_be_bytes()].concat()
}

fn ticket_term_key(ticket: TicketId, term: &str) -> Vec<u8> {
    [&ticket.to_be_bytes()[..], term.as_bytes()].concat()
}

impl Store {
    /// The index writes for `terms` of `ticket`, whose order is `order`: each posting
    /// carries the order id, so a search joins a ticket to its order's others without
    /// reading a ticket.
    pub(crate) fn index_ops<'a>(
        &'a self,
        ticket: TicketId,
        order: Option<&str>,
        terms: &BTreeSet<String>,
        ops: &mut Vec<Op<'a>>,
    ) {
        let order = order.unwrap_or_default().as_bytes();
        for term in terms {
            ops.push(Op::Put(
                &self.search,
                posting_key(term, ticket),
                order.to_vec(),
            ));
            ops.push(Op::Put(
                &self.search_terms,
                ticket_term_key(ticket, term),
                Vec::new(),
            ));
        }
    }

    /// Tickets matching every word of `query` (each as the start of a word), and the other
    /// tickets of their orders (a chargeback carries no buyer, its order's update does: the
    /// buyer's name finds both), newest first, at most `limit` matches before their orders'.
    /// No ticket is read: the postings name each ticket's order.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<TicketId>, StoreError> {
        let matched = self.search_words(query, limit)?;
        let mut all: BTreeSet<TicketId> = matched.iter().map(|(id, _)| *id).collect();
        let orders: BTreeSet<Vec<u8>> = matched
            .into_iter()
            .map(|(_, order)| order)
            .filter(|order| !order.is_empty())
            .collect();
        for order in orders {
            let Ok(text) = std::str::from_utf8(&order) else {
                continue;
            };
            // The longest word of the order id is its number ("gid://shopify/Order/42").
            let Some(term) = terms(text).into_iter().max_by_key(String::len) else {
                continue;
            };
            for (id, of) in self.postings_of(&term, limit)? {
                // The posting is for a word of the order id; the order itself must match.
                if of == order {
                    all.insert(id);
                }
            }
        }
        Ok(all.into_iter().rev().collect())
    }

    /// The tickets with exactly the word `term` and their orders, at most `limit`.
    fn postings_of(
        &self,
        term: &str,
        limit: usize,
    ) -> Result<Vec<(TicketId, Vec<u8>)>, StoreError> {
        let prefix = [term.as_bytes(), &[0]].concat();
        let mut found = Vec::new();
        for entry in self.search.scan_prefix(&prefix) {
            let (key, order) = entry?;
            if let Ok(id) = <[u8; 8]>::try_from(&key[prefix.len()..]) {
                found.push((u64::from_be_bytes(id), order.to_vec()));
            }
            if found.len() >= limit {
                break;
            }
        }
        Ok(found)
    }

    /// Tickets with every word of `query` and their orders, newest first, at most `limit`.
    fn search_words(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(TicketId, Vec<u8>)>, StoreError> {
        let mut words: Vec<String> = terms(query);
        words.sort();
        words.dedup();
        // The rarest word's postings are the candidates, the others are checked per
        // candidate: count each word's postings up to RARITY_PROBE (the longer word first
        // among equals), so a common first name never drives the search.
        if words.len() > 1 {
            let mut counted = Vec::with_capacity(words.len());
            for word in words {
                let mut n = 0;
                for key in self
                    .search
                    .scan_prefix(word.as_bytes())
                    .keys()
                    .take(RARITY_PROBE)
                {
                    key?;
                    n += 1;
                }
                counted.push((n, std::cmp::Reverse(word.len()), word));
            }
            counted.sort();
            words = counted.into_iter().map(|(_, _, w)| w).collect();
        }
        let Some((first, rest)) = words.split_first() else {
            return Ok(Vec::new());
        };
        let mut candidates = std::collections::BTreeMap::new();
        for entry in self.search.scan_prefix(first.as_bytes()) {
            let (key, order) = entry?;
            if let Some(id) = key
                .len()
                .checked_sub(8)
                .and_then(|at| <[u8; 8]>::try_from(&key[at..]).ok())
            {
                candidates.insert(u64::from_be_bytes(id), order.to_vec());
            }
            if candidates.len() >= MAX_CANDIDATES {
                break;
            }
        }
        let mut found = Vec::new();
        for (id, order) in candidates.into_iter().rev() {
            let mut all = true;
            for word in rest {
                if self
                    .search_terms
                    .scan_prefix(ticket_term_key(id, word))
                    .keys()
                    .next()
                    .transpose()?
                    .is_none()
                {
                    all = false;
                    break;
                }
            }
            if all {
                found.push((id, order));
                if found.len() >= limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Remove every term of `ticket` from the index (an erasure, a purge).
    pub(crate) fn forget_terms(&self, ticket: TicketId) -> Result<(), StoreError> {
        let prefix = ticket.to_be_bytes();
        let keys: Vec<_> = self
            .search_terms
            .scan_prefix(prefix)
            .keys()
            .collect::<Result<_, _>>()?;
        for key in keys {
            if let Ok(term) = std::str::from_utf8(&key[8..]) {
                self.search.remove(posting_key(term, ticket))?;
            }
            self.search_terms.remove(key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::terms;

    #[test]
    fn words_are_lower_cased_and_cjk_is_cut_in_pairs() {
        assert_eq!(
            terms("Anna.Schmidt@Example.com: order #1001, a parcel!"),
            [
                "anna", "schmidt", "example", "com", "order", "1001", "parcel"
            ]
        );
        assert_eq!(terms("包裹还没到"), ["包裹", "裹还", "还没", "没到"]);
        assert_eq!(terms("我的包 arrived"), ["我的", "的包", "arrived"]);
        assert_eq!(terms("好"), ["好"]);
        assert_eq!(terms("Straße ÄRGER"), ["straße", "ärger"]);
        let long = "x".repeat(100);
        assert_eq!(terms(&long)[0].len(), 40);
    }
}
