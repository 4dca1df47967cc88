//! Our own CSS and JS, embedded in the binary (no third-party assets), served under URLs that
//! carry a hash of their content (`/static/app.<hash>.css`) so browsers may cache them for a
//! year: a new build has new bytes, hence new URLs. Any other name under `/static/`, the old
//! unhashed `app.css` / `app.js` and stale hashes included, is `404`.

use axum::{
    extract::Path,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

/// One embedded asset and the URL it is served under.
struct Asset {
    href: String,
    body: &'static str,
    content_type: &'static str,
}

impl Asset {
    fn new(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
        let digest = hex::encode(Sha256::digest(body.as_bytes()));
        Asset {
            href: format!("/static/{stem}.{}.{ext}", &digest[..10]),
            body,
            content_type,
        }
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        Asset::new("app", "css", CSS, "text/css; charset=utf-8"),
        Asset::new("app", "js", JS, "text/javascript; charset=utf-8"),
    ]
});

/// URL of the stylesheet, e.g. `/static/app.0123456789.css` (templates link it through here).
pub fn css_href() -> &'static str {
    &ASSETS[0].href
}

/// URL of the script, e.g. `/static/app.0123456789.js`.
pub fn js_href() -> &'static str {
    &ASSETS[1].href
}

/// `GET /static/{file}`: the asset whose hashed name is `file`, cacheable for a year.
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(asset) = ASSETS
        .iter()
        .find(|a| a.href.strip_prefix("/static/") == Some(file.as_str()))
    else {
        return crate::error::AppError::NotFound.into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hrefs_carry_a_content_hash() {
        for (href, ext) in [(super::css_href(), ".css"), (super::js_href(), ".js")] {
            let hash = href
                .strip_prefix("/static/app.")
                .and_then(|rest| rest.strip_suffix(ext))
                .unwrap_or_else(|| panic!("unexpected asset URL {href}"));
            assert_eq!(hash.len(), 10, "{href}");
            assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{href}");
        }
        assert_ne!(super::css_href(), super::js_href());
    }
}
