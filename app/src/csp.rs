//! The Content-Security-Policy every answer carries (pages with their nonce, the rest without).

/// What a page may load and who may frame it. Scripts come only from this origin, and inline
/// ones only with this answer's `nonce` (Leptos' hydration script; answers that are not pages
/// have none and need none); the WASM needs `'wasm-unsafe-eval'`. Styles from this origin and
/// inline `style` attributes (no script can run from a style). Nothing frames a page
/// (clickjacking); forms post here only.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}
