//! What the HTTP front allows a client: how long a request, its body and an upload may
//! take, how many connections are open at once, and how many live streams one client may
//! hold — the `[server.limits]` table of the config. The defaults hold a slow or idle
//! client's cost to a bounded time and a bounded share of the process's file descriptors.

use std::time::Duration;

use serde::Deserialize;

/// `[server.limits]` as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Seconds from a request's headers to its answer.
    request_timeout_secs: Option<u64>,
    /// Seconds a request body may take to arrive, from the request's headers.
    body_timeout_secs: Option<u64>,
    /// Seconds an evidence upload (`PUT /upload/…`) may take, its body included.
    upload_timeout_secs: Option<u64>,
    /// Open connections at most; `0` or unset: from the open-file limit.
    max_connections: Option<usize>,
    /// Live streams (`GET /api/stream`) one client may hold open.
    streams_per_client: Option<usize>,
}

/// The validated limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// From a request's headers to its answer (uploads excepted); 503 past it.
    pub request_timeout: Duration,
    /// For a request body to arrive (uploads excepted); 408 past it.
    pub body_timeout: Duration,
    /// For an upload, its body and its answer; 408 past it.
    pub upload_timeout: Duration,
    /// Open connections at most; `None`: from the open-file limit when serving starts
    /// ([`super::connections::default_cap`]).
    pub max_connections: Option<usize>,
    /// Live streams one client may hold open.
    pub streams_per_client: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(600),
            max_connections: None,
            streams_per_client: 8,
        }
    }
}

impl RawLimits {
    /// Check the values; an error names the key and what it may be.
    pub fn validate(self) -> Result<Limits, String> {
        let defaults = Limits::default();
        let seconds = |value: Option<u64>, key: &str, default: Duration| match value {
            None => Ok(default),
            Some(0) => Err(format!(
                "`server.limits.{key}` is 0; expected a number of seconds of at least 1"
            )),
            Some(s) => Ok(Duration::from_secs(s)),
        };
        let limits = Limits {
            request_timeout: seconds(
                self.request_timeout_secs,
                "request_timeout_secs",
                defaults.request_timeout,
            )?,
            body_timeout: seconds(
                self.body_timeout_secs,
                "body_timeout_secs",
                defaults.body_timeout,
            )?,
            upload_timeout: seconds(
                self.upload_timeout_secs,
                "upload_timeout_secs",
                defaults.upload_timeout,
            )?,
            max_connections: self.max_connections.filter(|n| *n > 0),
            streams_per_client: match self.streams_per_client {
                None => defaults.streams_per_client,
                Some(0) => {
                    return Err(
                        "`server.limits.streams_per_client` is 0; expected at least 1 \
                                (a dashboard holds one stream)"
                            .into(),
                    );
                }
                Some(n) => n,
            },
        };
        if limits.body_timeout > limits.request_timeout {
            return Err(format!(
                "`server.limits.body_timeout_secs` ({}) is longer than `request_timeout_secs` \
                 ({}); a body must arrive within its request's time",
                limits.body_timeout.as_secs(),
                limits.request_timeout.as_secs()
            ));
        }
        Ok(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Limits, String> {
        toml::from_str::<RawLimits>(text)
            .map_err(|e| e.message().to_string())?
            .validate()
    }

    #[test]
    fn unset_limits_take_the_defaults_and_bad_ones_name_their_key() {
        assert_eq!(parse("").unwrap(), Limits::default());
        let set = parse("request_timeout_secs = 90\nbody_timeout_secs = 5\nmax_connections = 100")
            .unwrap();
        assert_eq!(set.request_timeout, Duration::from_secs(90));
        assert_eq!(set.body_timeout, Duration::from_secs(5));
        assert_eq!(set.max_connections, Some(100));
        assert_eq!(
            parse("max_connections = 0").unwrap().max_connections,
            None,
            "0 means: from the open-file limit"
        );
        assert_eq!(
            parse("body_timeout_secs = 0").unwrap_err(),
            "`server.limits.body_timeout_secs` is 0; expected a number of seconds of at least 1"
        );
        assert!(
            parse("body_timeout_secs = 120")
                .unwrap_err()
                .starts_with("`server.limits.body_timeout_secs` (120) is longer than")
        );
        assert!(
            parse("streams_per_client = 0")
                .unwrap_err()
                .starts_with("`server.limits.streams_per_client` is 0")
        );
        assert!(
            parse("idle_secs = 1")
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
