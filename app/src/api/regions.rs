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

/// One level of a region picker: the regions to choose from (code, Chinese name), which are the
/// children of `parent` (empty for the provinces).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PickerLevel {
    pub parent: String,
    pub choices: Vec<(String, String)>,
}

/// Every level a picker shows when `code` is chosen: the provinces, the children of each region
/// on the way down to `code`, and `code`'s own children (the next level to choose), at most five.
/// One request per choice, however deep, on a rural network. Public data.
#[server(endpoint = "regions/choices")]
pub async fn region_choices(code: String) -> Result<Vec<PickerLevel>, AppError> {
    use crate::domain::region::RegionCode;
    let code = if code.is_empty() {
        None
    } else {
        Some(RegionCode::parse(&code).map_err(|_| AppError::BadRequest)?)
    };
    picker_levels(&*crate::services::services()?.store, code.as_ref()).await
}

/// [`region_choices`] for a code already checked (`None`: the provinces alone).
#[cfg(feature = "ssr")]
pub async fn picker_levels(
    store: &dyn crate::store::Store,
    code: Option<&crate::domain::region::RegionCode>,
) -> Result<Vec<PickerLevel>, AppError> {
    use crate::domain::region::RegionLevel;
    // The parents whose children are shown: none (the provinces), then every region from the
    // province down to `code`, except a village (it has none).
    let mut parents = Vec::new();
    let mut at = match code {
        Some(village) if village.level() == RegionLevel::Village => village.parent(),
        other => other.cloned(),
    };
    while let Some(c) = at {
        at = c.parent();
        parents.push(Some(c));
    }
    parents.push(None);
    parents.reverse();
    let mut levels = Vec::with_capacity(parents.len());
    for parent in parents {
        let children = store
            .region_children(parent.as_ref().map(|p| p.as_str()))
            .await?;
        levels.push(PickerLevel {
            parent: parent.map(|p| p.as_str().to_string()).unwrap_or_default(),
            choices: children.into_iter().map(|r| (r.code, r.name_zh)).collect(),
        });
    }
    Ok(levels)
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
