//! The built page, served from a directory: a file by its path, `index.html` for a folder,
//! the page's `index.html` for any other path without an extension (the page routes itself).
//! Paths with `..`, backslashes or control characters are refused.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use std::path::{Path, PathBuf};

/// The content type of a file by its extension.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that `path` names, if the path is a plain one.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let mut file = root.to_path_buf();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment == "."
            || segment == ".."
            || segment.contains(['\\', '\0'])
            || segment.chars().any(char::is_control)
        {
            return None;
        }
        file.push(segment);
    }
    Some(file)
}

/// Answers a `GET` for `path` from `root`.
pub(crate) async fn serve(root: &Path, path: &str) -> Response<Body> {
    let Some(mut file) = resolve(root, path) else {
        return plain(StatusCode::BAD_REQUEST, "bad path");
    };
    if file.is_dir() {
        file.push("index.html");
    } else if !file.exists() && Path::new(path).extension().is_none() {
        file = root.join("index.html");
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

/// A short text answer.
pub(crate) fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use std::path::Path;

    #[test]
    fn plain_paths_resolve_and_tricks_do_not() {
        let root = Path::new("/srv/www");
        assert_eq!(
            resolve(root, "/app.js"),
            Some(Path::new("/srv/www/app.js").to_path_buf())
        );
        assert_eq!(
            resolve(root, "/"),
            Some(Path::new("/srv/www").to_path_buf())
        );
        for bad in ["/../etc/passwd", "/a/../../b", "/./x", "/a\\b", "/a\u{1}b"] {
            assert!(resolve(root, bad).is_none(), "{bad}");
        }
    }
}
