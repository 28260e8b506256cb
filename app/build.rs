//! Generates the `i18n` module (zh-CN default, en) from `locales/*.json` with leptos_i18n.
use leptos_i18n_build::{Config, TranslationsInfos};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR not set")?).join("i18n");
    let cfg = Config::new("zh-CN")?
        .add_locale("en")?
        .locales_path("../locales");
    let infos = TranslationsInfos::parse(cfg)?;
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
