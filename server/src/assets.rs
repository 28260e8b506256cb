//! The build output (`<site root>/pkg`: the two WASMs, their split chunks, JavaScript and CSS),
//! served compressed and cached.
//!
//! Pages name these files under a version, `/pkg/v0123456789ab/doudi.js` (`ui::pkg_version`): a
//! hash of the build output's names, sizes and times, made when the server starts. Under the
//! current version a file never changes, so browsers keep it a year without asking again
//! (`immutable`); a new build is a new version, and a page loads the new files. Any other address
//! (an older version's, or none) is answered with the same file but `no-cache`: asked again each
//! time, answered "not modified" when unchanged.
//!
//! `scripts/compress-assets.mjs` writes brotli and gzip copies beside each file when the site is
//! built; the copy the browser accepts is sent (`Content-Encoding`, `Vary: Accept-Encoding`).

use crate::startup::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The build output's directory under the site root (cargo-leptos `site-pkg-dir`).
pub const PKG_DIR: &str = "pkg";

/// A year: the longest a cache is asked to keep anything.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The version of the build output under `site_root`: "v" and 12 hexadecimal digits of a hash
/// over every file's path, size and modification time (reading the files themselves would cost
/// the ~10 MB of a release build's output at each start). No output: a version all the same.
pub fn version(site_root: &str) -> String {
    let root = Path::new(site_root).join(PKG_DIR);
    let mut entries = Vec::new();
    list(&root, &root, &mut entries);
    entries.sort();
    let mut hash = Sha256::new();
    for e in &entries {
        hash.update(e.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("v{hex}")
}

fn list(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            list(root, &path, out);
        } else {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(format!("{} {} {modified}", rel.display(), meta.len()));
        }
    }
}

/// `GET /pkg/{*path}`: a file of the build output, its version taken off the address.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let rest = path
        .strip_prefix(&format!("/{PKG_DIR}/"))
        .unwrap_or_default();
    let (versioned, file) = match rest.split_once('/') {
        Some((first, file)) if app::ui::is_pkg_version(first) => {
            (first == &*state.pkg_version, file)
        }
        _ => (false, rest),
    };
    let Ok(uri) = format!("/{file}").parse::<Uri>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (mut parts, body) = req.into_parts();
    parts.uri = uri;
    let dir: PathBuf = Path::new(state.leptos_options.site_root.as_ref()).join(PKG_DIR);
    let served = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(Request::from_parts(parts, body))
        .await;
    let mut res = match served {
        Ok(res) => res.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not read a file of the build output");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        let cache = if versioned { IMMUTABLE } else { REVALIDATE };
        res.headers_mut().insert(header::CACHE_CONTROL, cache);
        // Which copy was sent depends on what the browser accepts: caches must know it.
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_changes_with_any_file_of_the_build_output_and_only_then() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path().to_str().unwrap();
        let pkg = site.path().join(PKG_DIR);
        std::fs::create_dir_all(pkg.join("portal")).unwrap();
        std::fs::write(pkg.join("doudi.wasm"), "1").unwrap();
        let first = version(root);
        assert!(app::ui::is_pkg_version(&first), "{first}");
        assert_eq!(version(root), first, "the same files, the same version");
        std::fs::write(pkg.join("doudi.wasm"), "22").unwrap();
        let second = version(root);
        assert_ne!(second, first);
        std::fs::write(pkg.join("portal/chunk_1.wasm"), "3").unwrap();
        let third = version(root);
        assert_ne!(third, second);
        assert!(app::ui::is_pkg_version(&third));
        // No build output at all still names a version (pages still render).
        assert!(app::ui::is_pkg_version(&version("/nonexistent")));
    }
}
