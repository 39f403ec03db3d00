//! The one normalization of a request before it is matched against the route table
//! (docs/POLICY.md, "Routes", states it for users):
//!
//! - the method is compared exactly (`get` is not `GET`), and `HEAD` is matched as `GET`;
//! - the query (`?...`) and fragment (`#...`) are dropped; the path must start with `/`;
//! - one trailing slash is ignored (`/api/campaigns/` is `/api/campaigns`);
//! - each segment is percent-decoded once (`%41` is `A`; `%2541` is `%41`, not `A`);
//! - a segment that is empty (`//`), `.` or `..` (also when written `%2e`), that decodes to
//!   a `/` or `\` (encoded slashes), to a control character or to invalid UTF-8, or that
//!   has a malformed `%` escape, matches nothing: the request has no route;
//! - literal segments are compared case-sensitively;
//! - a path longer than [`MAX_PATH_LEN`] bytes or with more than
//!   [`MAX_SEGMENTS`](crate::compile::routes::MAX_SEGMENTS) segments has no route.

use crate::compile::routes::{MAX_SEGMENTS, METHODS};
use std::borrow::Cow;

/// Longest path read, in bytes.
pub(crate) const MAX_PATH_LEN: usize = 4096;

/// The method's index in [`METHODS`], `HEAD` as `GET`; `None` for any other method.
pub(crate) fn method_index(method: &str) -> Option<usize> {
    let method = if method == "HEAD" { "GET" } else { method };
    METHODS.iter().position(|m| *m == method)
}

/// The decoded segments of a request path, or `None` when no route can match it.
pub(crate) fn segments(target: &str) -> Option<Vec<Cow<'_, str>>> {
    let end = target.find(['?', '#']).unwrap_or(target.len());
    let path = target.get(..end)?;
    if path.len() > MAX_PATH_LEN {
        return None;
    }
    let rest = path.strip_prefix('/')?;
    let rest = match rest.strip_suffix('/') {
        Some("") => return None,
        Some(stripped) => stripped,
        None => rest,
    };
    let mut out = Vec::new();
    if rest.is_empty() {
        return Some(out);
    }
    for raw in rest.split('/') {
        if out.len() == MAX_SEGMENTS {
            return None;
        }
        out.push(segment(raw)?);
    }
    Some(out)
}

/// One segment, decoded once and checked.
fn segment(raw: &str) -> Option<Cow<'_, str>> {
    let decoded = if raw.contains('%') {
        Cow::Owned(percent_decode(raw)?)
    } else {
        Cow::Borrowed(raw)
    };
    let bad = decoded.is_empty()
        || decoded == "."
        || decoded == ".."
        || decoded
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if bad { None } else { Some(decoded) }
}

/// `%XX` escapes decoded once; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = hex(*bytes.get(i + 1)?)?;
            let lo = hex(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn segs(path: &str) -> Option<Vec<String>> {
        segments(path).map(|v| v.into_iter().map(Cow::into_owned).collect())
    }

    #[test]
    fn normalizes_one_way() {
        assert_eq!(segs("/"), Some(vec![]));
        assert_eq!(segs("/api/x/"), Some(vec!["api".into(), "x".into()]));
        assert_eq!(segs("/api/x?y=1#z"), Some(vec!["api".into(), "x".into()]));
        assert_eq!(segs("/a%41"), Some(vec!["aA".into()]));
        assert_eq!(segs("/%2541"), Some(vec!["%41".into()]));
        assert_eq!(segs("/caf%C3%A9"), Some(vec!["café".into()]));
        for bad in [
            "", "api", "//", "/a//b", "/a/../b", "/a/./b", "/%2e%2E", "/%2e", "/a%2Fb", "/a%5cb",
            "/a\\b", "/%zz", "/%4", "/%ff", "/a%00", "/a%0a", "/x//",
        ] {
            assert_eq!(segs(bad), None, "{bad}");
        }
        assert_eq!(
            segs(&"/a".repeat(MAX_SEGMENTS)).map(|v| v.len()),
            Some(MAX_SEGMENTS)
        );
        assert_eq!(segs(&"/a".repeat(MAX_SEGMENTS + 1)), None);
        assert_eq!(method_index("HEAD"), method_index("GET"));
        assert_eq!(method_index("get"), None);
        assert_eq!(method_index("TRACE"), None);
    }
}
