//! The second factor of sign-in (issue 17, hole 2): TOTP (RFC 6238: HMAC-SHA1, 30-second steps,
//! six digits, what every authenticator app reads) and ten one-time recovery codes. Required of
//! administrators, caseworkers and department officers; offered to charities.
//!
//! Codes are checked against the real clock, never the demo offset: the phone in the caseworker's
//! hand does not know about it.

use crate::error::AppError;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per time step, and how many steps either side of now a code may be from (a phone's
/// clock a little off).
pub const STEP_SECONDS: u64 = 30;
const SKEW_STEPS: i64 = 1;
/// The name an authenticator app shows beside the account.
const ISSUER: &str = "Doudi";
/// Recovery codes are two groups of five from an alphabet without look-alikes (no 0/o, 1/l/i).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
pub const RECOVERY_CODES: usize = 10;

/// A new shared secret: 160 random bits, base32 (RFC 4226's recommended length).
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret: &str, account: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| AppError::internal(format!("stored TOTP secret: {e:?}")))?;
    // The account name may not hold ':' (the URL's separator); logins never do.
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_string()),
        account.replace(':', "_"),
    )
    .map_err(|e| AppError::internal(format!("TOTP: {e:?}")))
}

/// The time step a six-digit `code` belongs to, if it is the code of `secret` within one step of
/// `unix_seconds`. The caller then spends the step (`AccountStore::use_totp_step`), so a code
/// works once.
pub fn matching_step(secret: &str, code: &str, unix_seconds: u64) -> Result<Option<i64>, AppError> {
    let code = code.trim();
    if !looks_like_totp(code) {
        return Ok(None);
    }
    let t = totp(secret, "-")?;
    let now = (unix_seconds / STEP_SECONDS) as i64;
    let mut found = None;
    // Every candidate is computed and compared in constant time, whichever matches.
    for step in now - SKEW_STEPS..=now + SKEW_STEPS {
        let expected = t.generate(step.max(0) as u64 * STEP_SECONDS);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            found = Some(step);
        }
    }
    Ok(found)
}

/// The code of `secret` at `unix_seconds` (demo mode prints it; tests compute their own).
pub fn code_at(secret: &str, unix_seconds: u64) -> Result<String, AppError> {
    Ok(totp(secret, "-")?.generate(unix_seconds))
}

/// Six ASCII digits.
pub fn looks_like_totp(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    constant_time_eq(a.as_bytes(), b.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret: &str, login: &str) -> Result<String, AppError> {
    Ok(totp(secret, login)?.get_url())
}

/// The QR code of `text` as an SVG document, drawn here (no outside service sees the secret).
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(AppError::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Ten new recovery codes, `abcde-fghjk`, to be shown once.
pub fn new_recovery_codes() -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut pick = || RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char;
            let a: String = (0..5).map(|_| pick()).collect();
            let b: String = (0..5).map(|_| pick()).collect();
            format!("{a}-{b}")
        })
        .collect()
}

/// What is stored of a recovery code: the SHA-256 of its letters, so `ABCDE FGHJK` typed
/// from a printout matches `abcde-fghjk`. Fifty random bits and the sign-in limits make a
/// slow hash unnecessary.
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(
        format!("doudi-recovery:{normal}").as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vector_and_a_code_one_step_off() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s: 94287082 (the
        // last six digits for a six-digit code).
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(matching_step(&secret, "287082", 59).unwrap(), Some(1));
        // 30 s later it is still accepted (one step of skew), 90 s later no more.
        assert_eq!(matching_step(&secret, "287082", 89).unwrap(), Some(1));
        assert_eq!(matching_step(&secret, "287082", 119).unwrap(), None);
        assert_eq!(matching_step(&secret, "28708", 59).unwrap(), None);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_match_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let set: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(set.len(), 10);
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(c), recovery_hash(&codes[1]));
    }

    #[test]
    fn the_qr_code_is_an_svg_drawn_here() {
        let secret = new_secret();
        let url = otpauth_url(&secret, "demo_caseworker").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Doudi:demo_caseworker?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={secret}")));
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg") && svg.contains("<path"), "{svg:.200}");
    }
}
