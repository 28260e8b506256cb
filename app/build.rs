//! Generates the `i18n` module (zh-CN default, en) from `locales/*.json` with leptos_i18n's parser
//! and code generator (what `leptos_i18n_build::TranslationsInfos` does, without its ICU data
//! generator: see Cargo.toml).
use leptos_i18n_parser::parse_locales::{options::Config, parse_locales};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR not set")?).join("i18n");
    let cfg = Config::new("zh-CN")?
        .add_locale("en")?
        .locales_path("../locales");
    let parsed = parse_locales(None, cfg)?;
    for path in parsed.tracked_files.iter().flatten() {
        println!("cargo::rerun-if-changed={path}");
    }
    // No crate path (`leptos_i18n`), no diagnostics, no top-level attributes, with docs: the
    // defaults of `leptos_i18n_build`'s `generate_i18n_module`.
    let code = leptos_i18n_codegen::gen_code(&parsed, None::<&syn::Path>, false, None, true)?;
    // Our two languages are matched by their primary subtag (`ui::best_language`) rather than by
    // leptos_i18n's default `find_locale`, which parses every accepted language with ICU: that
    // parser was ~11 KB of the residents' WASM for a choice between "zh" and "en". The
    // generator's output is pinned (=0.6.2): a changed output fails the build here.
    let anchor = "impl l_i18n_crate :: Locale for Locale {";
    let code = code.to_string();
    if code.matches(anchor).count() != 1 {
        return Err(
            "leptos_i18n_codegen's output changed: `impl Locale for Locale` not found".into(),
        );
    }
    let code = code.replacen(
        anchor,
        &format!(
            "{anchor} fn find_locale < T : AsRef < [u8] > > (accepted : & [T]) -> Self \
             {{ crate :: ui :: best_language (accepted) }}"
        ),
        1,
    );
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("mod.rs"), code)?;
    Ok(())
}
