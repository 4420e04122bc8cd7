//! The admin API's route table: every route under `/api`, matched once, with the scope its
//! caller needs. `api::handle` authenticates the caller, checks the scope the table names
//! and carries out the [`Route`]. A request the table does not know needs `read` (a `GET`
//! or `HEAD`) or `operate` (anything else) before it is told 404, so the answer to an
//! unknown path says nothing to a caller without a token. Adding a route is one line here
//! and one arm in `api::handle`.

use hyper::Method;

use super::tokens::Scope;

/// What an admin API request asks for, its path's ids parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /api/tickets`
    Tickets,
    /// `GET /api/tickets/{id}`
    Ticket(u64),
    /// `GET /api/customers`
    Customers,
    /// `GET /api/customers/{key}` (the key still percent-encoded)
    Customer(&'a str),
    /// `GET /api/orders/{marketplace}/{shop}/{order}` (still percent-encoded)
    Order(&'a str, &'a str, &'a str),
    /// `GET /api/plugins`
    Plugins,
    /// `GET /api/agents`
    Agents,
    /// `GET /api/reports/{name…}`
    Reports(&'a [&'a str]),
    /// `GET /api/locales`
    Locales,
    /// `GET /api/outbox`
    Outbox,
    /// `GET /api/deliveries/kept`
    KeptDeliveries,
    /// `GET /api/tickets/{id}/files`
    Files(u64),
    /// `GET /api/tickets/{id}/files/{file}`
    File(u64, u64),
    /// `POST /api/tickets/{id}/upload-link`
    UploadLink(u64),
    /// `GET /api/audit`
    Audit,
    /// `POST /api/plugins/{id}/poll`
    Poll(&'a str),
    /// `POST /api/export`
    Export,
    /// `POST /api/compact`
    Compact,
    /// `POST /api/erasures`
    Erasures,
    /// `POST /api/proposals/decide`
    DecideMany,
    /// `POST /api/care`
    Care,
    /// `POST /api/tickets/{id}/proposals/{proposal}/{approve|reject}`
    Decide {
        /// The ticket.
        ticket: u64,
        /// The proposal.
        proposal: u64,
        /// `approve` rather than `reject`.
        approve: bool,
    },
    /// `POST /api/tickets/{id}/{actions|propose|reply|evidence}`
    TicketAction(u64, &'a str),
    /// `POST /api/compliance/check`
    Compliance,
    /// `POST /api/tickets/{id}/{draft|check|translate}`
    ReplyAction(u64, &'a str),
    /// `POST /api/tickets/{id}/{assign|notes|status|follow-ups|…}`
    Change(u64, &'a str),
    /// `DELETE /api/tickets/{id}/follow-ups/{timer}`
    CancelFollowUp(u64, u64),
    /// A known route whose id is not one: 404 with this message.
    NoSuch(String),
    /// No such route: 404.
    Unknown,
}

/// The route `method` and the path segments after `/api` ask for, and the scope its caller
/// needs.
pub fn route<'a>(method: &Method, segments: &'a [&'a str]) -> (Scope, Route<'a>) {
    use Scope::{Admin, ApproveRefunds, Operate, Read};
    let ticket = |id: &str, route: &dyn Fn(u64) -> Route<'a>| match id.parse::<u64>() {
        Ok(id) => route(id),
        Err(_) => Route::NoSuch(format!("no ticket {id:?}")),
    };
    let pair = |a: &str, b: &str, what: &str, route: &dyn Fn(u64, u64) -> Route<'a>| match (
        a.parse::<u64>(),
        b.parse::<u64>(),
    ) {
        (Ok(a), Ok(b)) => route(a, b),
        _ => Route::NoSuch(format!("no such ticket or {what}")),
    };
    match (method, segments) {
        (&Method::GET, ["tickets"]) => (Read, Route::Tickets),
        (&Method::GET, ["tickets", id]) => (Read, ticket(id, &Route::Ticket)),
        (&Method::GET, ["customers"]) => (Read, Route::Customers),
        (&Method::GET, ["customers", key]) => (Read, Route::Customer(key)),
        (&Method::GET, ["orders", marketplace, shop, order]) => {
            (Read, Route::Order(marketplace, shop, order))
        }
        (&Method::GET, ["plugins"]) => (Read, Route::Plugins),
        (&Method::GET, ["agents"]) => (Read, Route::Agents),
        (&Method::GET, ["reports", rest @ ..]) => (Read, Route::Reports(rest)),
        (&Method::GET, ["locales"]) => (Read, Route::Locales),
        (&Method::GET, ["outbox"]) => (Read, Route::Outbox),
        (&Method::GET, ["deliveries", "kept"]) => (Read, Route::KeptDeliveries),
        (&Method::GET, ["tickets", id, "files"]) => (Read, ticket(id, &Route::Files)),
        (&Method::GET, ["tickets", id, "files", file]) => {
            (Read, pair(id, file, "file", &Route::File))
        }
        (&Method::GET, ["audit"]) => (Admin, Route::Audit),
        (&Method::POST, ["tickets", id, "upload-link"]) => {
            (Operate, ticket(id, &Route::UploadLink))
        }
        (&Method::POST, ["plugins", id, "poll"]) => (Admin, Route::Poll(id)),
        (&Method::POST, ["export"]) => (Admin, Route::Export),
        (&Method::POST, ["compact"]) => (Admin, Route::Compact),
        (&Method::POST, ["erasures"]) => (Admin, Route::Erasures),
        (&Method::POST, ["proposals", "decide"]) => (ApproveRefunds, Route::DecideMany),
        (
            &Method::POST,
            [
                "tickets",
                id,
                "proposals",
                proposal,
                verb @ ("approve" | "reject"),
            ],
        ) => {
            let approve = *verb == "approve";
            (
                ApproveRefunds,
                pair(id, proposal, "proposal", &|ticket, proposal| {
                    Route::Decide {
                        ticket,
                        proposal,
                        approve,
                    }
                }),
            )
        }
        (&Method::POST, ["tickets", id, action @ "actions"]) => (
            ApproveRefunds,
            ticket(id, &|id| Route::TicketAction(id, action)),
        ),
        (&Method::POST, ["tickets", id, action @ ("propose" | "reply" | "evidence")]) => {
            (Operate, ticket(id, &|id| Route::TicketAction(id, action)))
        }
        (&Method::POST, ["compliance", "check"]) => (Operate, Route::Compliance),
        (&Method::POST, ["care"]) => (Operate, Route::Care),
        (&Method::POST, ["tickets", id, action @ ("draft" | "check" | "translate")]) => {
            (Operate, ticket(id, &|id| Route::ReplyAction(id, action)))
        }
        (&Method::POST, ["tickets", id, action]) => {
            (Operate, ticket(id, &|id| Route::Change(id, action)))
        }
        (&Method::DELETE, ["tickets", id, "follow-ups", timer]) => (
            Operate,
            pair(id, timer, "follow-up", &Route::CancelFollowUp),
        ),
        (&Method::GET | &Method::HEAD, _) => (Read, Route::Unknown),
        _ => (Operate, Route::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(method: Method, path: &str) -> Scope {
        let segments: Vec<&str> = path.split('/').collect();
        route(&method, &segments).0
    }

    #[test]
    fn money_and_operations_need_their_own_scopes() {
        assert_eq!(scope(Method::GET, "tickets"), Scope::Read);
        assert_eq!(scope(Method::POST, "tickets/4/notes"), Scope::Operate);
        assert_eq!(
            scope(Method::POST, "tickets/4/proposals/9/approve"),
            Scope::ApproveRefunds
        );
        assert_eq!(
            scope(Method::POST, "tickets/4/actions"),
            Scope::ApproveRefunds
        );
        assert_eq!(
            scope(Method::POST, "proposals/decide"),
            Scope::ApproveRefunds
        );
        assert_eq!(scope(Method::POST, "export"), Scope::Admin);
        assert_eq!(scope(Method::GET, "audit"), Scope::Admin);
        assert_eq!(scope(Method::POST, "plugins/ebay/poll"), Scope::Admin);
        assert_eq!(scope(Method::GET, "nowhere"), Scope::Read);
        assert_eq!(scope(Method::PUT, "tickets"), Scope::Operate);
    }

    #[test]
    fn ids_are_parsed_once_and_a_bad_one_names_what_is_missing() {
        let segments = ["tickets", "7", "proposals", "9", "reject"];
        assert_eq!(
            route(&Method::POST, &segments).1,
            Route::Decide {
                ticket: 7,
                proposal: 9,
                approve: false
            }
        );
        assert_eq!(
            route(&Method::POST, &["tickets", "x7", "notes"]),
            (Scope::Operate, Route::NoSuch("no ticket \"x7\"".into()))
        );
        assert_eq!(
            route(&Method::GET, &["tickets", "7", "files", "f"]).1,
            Route::NoSuch("no such ticket or file".into())
        );
        assert_eq!(
            route(&Method::POST, &["tickets", "7", "assign"]).1,
            Route::Change(7, "assign")
        );
    }
}
