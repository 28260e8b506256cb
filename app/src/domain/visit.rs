//! 入户调查: the home-visit record a caseworker fills in on a tablet, often without a network.
//! The device gives each visit its id, so sending it again records it once; the visit names
//! the last visit the device knew of, so a visit recorded meanwhile by someone else shows as a
//! conflict instead of being overwritten. Pure: browser and server check a visit the same way.

use super::declaration::{FieldError, FieldErrorCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MAX_VISIT_TEXT_CHARS: usize = 2000;
pub const MAX_PHOTOS: usize = 4;
/// One image (photo or signature) after the device has scaled it down, base64 included.
pub const MAX_IMAGE_DATA_URL_CHARS: usize = 700_000;
/// The whole visit as sent: four photos and three signatures at most.
pub const MAX_VISIT_BODY_BYTES: usize = (MAX_PHOTOS + 3) * MAX_IMAGE_DATA_URL_CHARS + 64 * 1024;

coded! {
    /// What an image of a visit is.
    pub enum VisitFileRole {
        Photo = "photo",
        SignResident = "sign_resident",
        SignStaff = "sign_staff",
        SignSecondStaff = "sign_second_staff",
    }
}

/// The visit form as typed and kept on the device until the server has it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VisitDraft {
    /// Made on the device when the form is opened: the idempotency key.
    pub id: String,
    pub application: String,
    /// The newest visit of this application the device had seen when the form was opened.
    pub based_on: Option<String>,
    pub visited_on: String,
    /// Who was present (在场人员).
    pub present: String,
    /// Housing (住房情况).
    pub housing: String,
    /// Living conditions (生活状况).
    pub living: String,
    /// Assets seen (财产情况: vehicles, machinery, livestock …).
    pub assets_seen: String,
    pub notes: String,
    /// The second staff member's name (two staff sign).
    pub second_staff: String,
    /// Images as `data:image/jpeg;base64,…` (photos) and `data:image/png;base64,…` (signatures).
    pub photos: Vec<String>,
    pub sign_resident: String,
    pub sign_staff: String,
    pub sign_second_staff: String,
    /// When the caseworker saved it on the device (ms); shown, never trusted for order.
    pub saved_at: i64,
}

/// A checked visit. Images are still data URLs here: the server decodes and checks their
/// content before storing them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub id: String,
    pub application: String,
    pub based_on: Option<String>,
    pub visited_on: NaiveDate,
    pub present: String,
    pub housing: String,
    pub living: String,
    pub assets_seen: String,
    pub notes: String,
    pub second_staff: String,
    pub photos: Vec<String>,
    pub signatures: [String; 3],
}

fn is_visit_id(id: &str) -> bool {
    (16..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_image_data_url(s: &str, mime: &str) -> bool {
    s.len() <= MAX_IMAGE_DATA_URL_CHARS
        && s.strip_prefix("data:")
            .and_then(|r| r.strip_prefix(mime))
            .is_some_and(|r| r.starts_with(";base64,") && r.len() > 8)
}

impl Visit {
    /// Checks a visit; `today` is the server's date (a visit cannot lie in the future).
    pub fn parse(d: &VisitDraft, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, code| {
            errors.push(FieldError {
                field: field.into(),
                code,
            })
        };
        if !is_visit_id(&d.id) || d.based_on.as_deref().is_some_and(|b| !is_visit_id(b)) {
            err("id", FieldErrorCode::InvalidChoice);
        }
        let visited_on = match crate::domain::ymd::parse(d.visited_on.trim()).ok_or(()) {
            Ok(v) if v > today => {
                err("visited_on", FieldErrorCode::DateInFuture);
                None
            }
            Ok(v) => Some(v),
            Err(_) => {
                err("visited_on", FieldErrorCode::DateFormat);
                None
            }
        };
        let mut text = |field: &str, raw: &str, required: bool| {
            let t = raw.trim();
            if required && t.is_empty() {
                err(field, FieldErrorCode::Required);
            } else if t.chars().count() > MAX_VISIT_TEXT_CHARS {
                err(field, FieldErrorCode::TooLong);
            }
            t.to_string()
        };
        let present = text("present", &d.present, true);
        let housing = text("housing", &d.housing, true);
        let living = text("living", &d.living, true);
        let assets_seen = text("assets_seen", &d.assets_seen, true);
        let notes = text("notes", &d.notes, false);
        let second_staff = text("second_staff", &d.second_staff, true);
        if d.photos.len() > MAX_PHOTOS {
            errors.push(FieldError {
                field: "photos".into(),
                code: FieldErrorCode::TooMany,
            });
        } else if d
            .photos
            .iter()
            .any(|p| !is_image_data_url(p, "image/jpeg") && !is_image_data_url(p, "image/png"))
        {
            errors.push(FieldError {
                field: "photos".into(),
                code: FieldErrorCode::ImageInvalid,
            });
        }
        for (field, sig) in [
            ("sign_resident", &d.sign_resident),
            ("sign_staff", &d.sign_staff),
            ("sign_second_staff", &d.sign_second_staff),
        ] {
            if sig.is_empty() {
                errors.push(FieldError {
                    field: field.into(),
                    code: FieldErrorCode::SignatureRequired,
                });
            } else if !is_image_data_url(sig, "image/png") {
                errors.push(FieldError {
                    field: field.into(),
                    code: FieldErrorCode::ImageInvalid,
                });
            }
        }
        match visited_on {
            Some(visited_on) if errors.is_empty() => Ok(Self {
                id: d.id.clone(),
                application: d.application.trim().to_string(),
                based_on: d.based_on.clone(),
                visited_on,
                present,
                housing,
                living,
                assets_seen,
                notes,
                second_staff,
                photos: d.photos.clone(),
                signatures: [
                    d.sign_resident.clone(),
                    d.sign_staff.clone(),
                    d.sign_second_staff.clone(),
                ],
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "data:image/png;base64,iVBORw0KGgo=";

    fn draft() -> VisitDraft {
        VisitDraft {
            id: "0123456789abcdef0123".into(),
            application: "SQ-2026-000001".into(),
            visited_on: "2026-11-20".into(),
            present: "户主 张三".into(),
            housing: "砖房两间".into(),
            living: "生活困难".into(),
            assets_seen: "无车辆".into(),
            second_staff: "李四".into(),
            sign_resident: SIG.into(),
            sign_staff: SIG.into(),
            sign_second_staff: SIG.into(),
            ..Default::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn a_complete_visit_parses() {
        let v = Visit::parse(&draft(), today()).unwrap();
        assert_eq!(
            (v.visited_on.to_string().as_str(), v.second_staff.as_str()),
            ("2026-11-20", "李四")
        );
    }

    #[test]
    fn three_signatures_are_required() {
        let d = VisitDraft {
            sign_second_staff: String::new(),
            sign_resident: "data:text/html;base64,PHA+".into(),
            ..draft()
        };
        let errs = Visit::parse(&d, today()).unwrap_err();
        assert_eq!(
            errs,
            vec![
                FieldError {
                    field: "sign_resident".into(),
                    code: FieldErrorCode::ImageInvalid
                },
                FieldError {
                    field: "sign_second_staff".into(),
                    code: FieldErrorCode::SignatureRequired
                }
            ]
        );
    }

    #[test]
    fn future_dates_bad_ids_and_empty_fields_are_refused() {
        let d = VisitDraft {
            id: "x".into(),
            visited_on: "2026-11-27".into(),
            housing: " ".into(),
            photos: vec![SIG.into(); 5],
            ..draft()
        };
        let fields: Vec<_> = Visit::parse(&d, today())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["id", "visited_on", "housing", "photos"]);
    }
}
