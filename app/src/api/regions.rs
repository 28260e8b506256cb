//! The region tree (province → city → county → township → village) for pickers.

use crate::api::types::Region;
use crate::error::AppError;
use leptos::prelude::*;

/// Children of a region, or the provinces when `parent` is empty. Public data.
#[server(endpoint = "regions/children")]
pub async fn region_children(parent: String) -> Result<Vec<Region>, AppError> {
    use crate::domain::region::RegionCode;
    let s = crate::services::services()?;
    let parent = if parent.is_empty() {
        None
    } else {
        Some(RegionCode::parse(&parent).map_err(|_| AppError::BadRequest)?)
    };
    Ok(s.store
        .region_children(parent.as_ref().map(|p| p.as_str()))
        .await?)
}

/// The path from the province down to `code`, for showing a stored choice.
#[server(endpoint = "regions/path")]
pub async fn region_path(code: String) -> Result<Vec<Region>, AppError> {
    use crate::domain::region::RegionCode;
    let s = crate::services::services()?;
    let mut code = Some(RegionCode::parse(&code).map_err(|_| AppError::BadRequest)?);
    let mut path = Vec::new();
    while let Some(c) = code {
        if let Some(r) = s.store.region(&c).await? {
            path.push(r);
        }
        code = c.parent();
    }
    path.reverse();
    Ok(path)
}

/// Chinese names of regions, each looked up once (lists show many rows of few villages).
#[cfg(feature = "ssr")]
pub async fn region_names(
    store: &dyn crate::store::Store,
    codes: Vec<crate::domain::region::RegionCode>,
) -> Result<std::collections::HashMap<crate::domain::region::RegionCode, String>, AppError> {
    let mut codes = codes;
    codes.sort_unstable();
    codes.dedup();
    let mut found: std::collections::HashMap<String, String> = store
        .regions(&codes)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name_zh))
        .collect();
    // Every code asked for has an entry (empty when the region is unknown).
    Ok(codes
        .into_iter()
        .map(|c| {
            let name = found.remove(c.as_str()).unwrap_or_default();
            (c, name)
        })
        .collect())
}
