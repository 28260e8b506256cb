//! Field encryption at rest (商用密码, GB/T 39786-2021): what a copy of the database must not
//! reveal is stored sealed with SM4-GCM, and what staff look things up by is stored as a keyed
//! digest (HMAC-SM3, a "blind index") instead of the value.
//!
//! Both keys are derived from one 256-bit master key that comes from configuration
//! (`DOUDI_FIELD_KEY`, or a file named by `DOUDI_FIELD_KEY_FILE`), never from the database or the
//! repository; demo mode makes one in its data directory. Each sealed value carries its own
//! random nonce and is bound to its column (additional authenticated data), so a value copied
//! into another column does not open. Losing the key loses the sealed data: its custody is the
//! deployment's (docs/security.md).

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::AesGcm;
use app::store::DbError;
use base64::Engine;
use hmac::{Hmac, Mac};
use sm3::Sm3;
use sm4::Sm4;
use std::sync::Arc;
use zeroize::Zeroizing;

type Sm4Gcm = AesGcm<Sm4, U12>;
type HmacSm3 = Hmac<Sm3>;

/// What a sealed value starts with: the algorithm and key generation, so a later key or
/// algorithm can be told apart (and rotated to) without guessing.
const SEALED: &str = "sm4gcm.1:";
/// What a value starts with when its text was compressed (DEFLATE) before it was sealed: long
/// values (an assessment's result is ~5 KB of JSON that shrinks to a fifth), so a row holds
/// fewer pages and fewer bytes go through SM4. The compressed form is bound to the column under
/// another name (`DEFLATED_AAD`), so the prefix cannot be changed to make one read as the other.
const SEALED_DEFLATED: &str = "sm4gcm.1d:";
const DEFLATED_AAD: &str = "#deflate";
/// Shorter values are sealed as they are: compression gains little on them.
const DEFLATE_FROM: usize = 512;
/// The most a compressed value may open to (values are authenticated, so only this server made
/// them; the bound is for a bug, never for memory).
const INFLATE_AT_MOST: u64 = 64 << 20;
const NONCE_LEN: usize = 12;
/// What a sealed file starts with.
const SEALED_FILE: &[u8] = b"doudi-sm4gcm.1\0";

/// Seals and opens fields, and makes blind-index digests. Cheap to clone.
#[derive(Clone)]
pub struct FieldCipher(Arc<Keys>);

struct Keys {
    aead: Sm4Gcm,
    /// HMAC-SM3 already keyed with the index key: each digest starts from a copy of it.
    index: HmacSm3,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(keys hidden)")
    }
}

/// A master key that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the field encryption key must be 64 hexadecimal digits (256 bits)")]
pub struct BadKey;

impl FieldCipher {
    /// From the 256-bit master key: SM4's 128-bit key and the index key are derived from it
    /// (HMAC-SM3 with distinct labels), so neither can be computed from the other.
    pub fn from_master(master: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| {
            let mut mac = <HmacSm3 as Mac>::new_from_slice(master).expect("any key length");
            mac.update(label);
            Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()))
        };
        let enc = derive(b"doudi field encryption v1");
        let index = <HmacSm3 as Mac>::new_from_slice(derive(b"doudi blind index v1").as_ref())
            .expect("any key length");
        let aead = Sm4Gcm::new_from_slice(&enc[..16]).expect("SM4 takes 16 bytes");
        Self(Arc::new(Keys { aead, index }))
    }

    /// From the configured text: 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Result<Self, BadKey> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| BadKey)?);
        let master: &[u8; 32] = bytes.as_slice().try_into().map_err(|_| BadKey)?;
        Ok(Self::from_master(master))
    }

    /// A new random master key, as 64 hexadecimal digits (demo mode, tests, `server new-key`).
    pub fn new_key_hex() -> String {
        use aes_gcm::aead::rand_core::RngCore;
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        hex::encode(key.as_ref())
    }

    /// A cipher with a fresh random key (tests, benchmarks).
    pub fn random() -> Self {
        Self::from_hex(&Self::new_key_hex()).expect("a fresh key is well formed")
    }

    /// `plain` sealed with a fresh nonce and bound to `aad`, after `prefix`: the prefix, the
    /// nonce, the sealed bytes (what `seal` and `seal_bytes` store).
    fn seal_raw(&self, prefix: &[u8], aad: &str, plain: &[u8]) -> Vec<u8> {
        let nonce = Sm4Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .expect("SM4-GCM seals any length a field or file can have");
        let mut out = Vec::with_capacity(prefix.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(prefix);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The bytes `seal_raw` sealed for `aad` (given without its prefix); `None` when they do
    /// not open (too short, altered, another `aad` or another key).
    fn open_raw(&self, aad: &str, body: &[u8]) -> Option<Vec<u8>> {
        if body.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        self.0
            .aead
            .decrypt(
                nonce.into(),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .ok()
    }

    /// `plain` sealed for `column` (e.g. `applications.declaration`), as text.
    pub fn seal(&self, column: &str, plain: &str) -> String {
        let b64 = &base64::engine::general_purpose::STANDARD_NO_PAD;
        if plain.len() >= DEFLATE_FROM {
            if let Some(deflated) = deflate(plain.as_bytes()) {
                let aad = format!("{column}{DEFLATED_AAD}");
                return format!(
                    "{SEALED_DEFLATED}{}",
                    b64.encode(self.seal_raw(&[], &aad, &deflated))
                );
            }
        }
        format!(
            "{SEALED}{}",
            b64.encode(self.seal_raw(&[], column, plain.as_bytes()))
        )
    }

    /// Whether a stored value is sealed (anything else is from before encryption).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED) || stored.starts_with(SEALED_DEFLATED)
    }

    /// Like [`FieldCipher::open`], for a column that holds `''` until someone writes in it (an
    /// empty value is stored as it is, not sealed).
    pub fn open_or_empty(&self, column: &str, stored: &str) -> Result<String, DbError> {
        if stored.is_empty() {
            Ok(String::new())
        } else {
            self.open(column, stored)
        }
    }

    /// The value sealed for `column`. A value that is not sealed, was sealed with another key
    /// or for another column, or was altered is an error naming the column (never its content).
    pub fn open(&self, column: &str, stored: &str) -> Result<String, DbError> {
        let bad = |why: &str| DbError::Other(format!("stored {column}: {why}"));
        let b64 = &base64::engine::general_purpose::STANDARD_NO_PAD;
        let plain = if let Some(body) = stored.strip_prefix(SEALED_DEFLATED) {
            let bytes = b64.decode(body).map_err(|_| bad("not a sealed value"))?;
            let deflated = self
                .open_raw(&format!("{column}{DEFLATED_AAD}"), &bytes)
                .ok_or_else(|| {
                    bad("does not open with this key (altered, moved or another key)")
                })?;
            inflate(&deflated).ok_or_else(|| bad("does not decompress"))?
        } else {
            let body = stored
                .strip_prefix(SEALED)
                .ok_or_else(|| bad("not sealed"))?;
            let bytes = b64.decode(body).map_err(|_| bad("not a sealed value"))?;
            self.open_raw(column, &bytes)
                .ok_or_else(|| bad("does not open with this key (altered, moved or another key)"))?
        };
        String::from_utf8(plain).map_err(|_| bad("not text"))
    }

    /// A file's bytes sealed for `name` (its content hash): `SEALED_FILE`, the nonce, the
    /// sealed bytes.
    pub fn seal_bytes(&self, name: &str, plain: &[u8]) -> Vec<u8> {
        self.seal_raw(SEALED_FILE, name, plain)
    }

    /// Whether a stored file is sealed (anything else is from before encryption).
    pub fn is_sealed_bytes(stored: &[u8]) -> bool {
        stored.starts_with(SEALED_FILE)
    }

    /// The bytes of a file sealed for `name`; an error if it is not sealed, not for this name,
    /// or altered.
    pub fn open_bytes(&self, name: &str, stored: &[u8]) -> Result<Vec<u8>, String> {
        let body = stored
            .strip_prefix(SEALED_FILE)
            .ok_or("stored file is not sealed")?;
        self.open_raw(name, body).ok_or_else(|| {
            "stored file does not open with this key (altered, moved or another key)".into()
        })
    }

    /// The blind-index digest of `value` as a `kind` of key (`name`, `id_number`…): equal
    /// values of one kind give equal digests, nothing else can be learnt from it without the
    /// key. Values are compared as given: callers normalise first (see `name_keys`).
    pub fn digest(&self, kind: &str, value: &str) -> String {
        hex::encode(self.mac(kind, value))
    }

    fn mac(&self, kind: &str, value: &str) -> [u8; 32] {
        let mut mac = self.0.index.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// What an ID number is stored and looked up as wherever it joins tables (persons,
    /// households, applications, medical records, events): its keyed digest (see `key`; an ID
    /// number itself is 18 characters, a key 22, so the two never mix).
    pub fn id_key(&self, id_number: &str) -> String {
        self.key("id_number", id_number)
    }

    /// A value of `kind` as a lookup key: its keyed digest, 128 bits in 22 characters of
    /// URL-safe base64 (short: these keys fill the largest indexes; `-` and `_` are never used
    /// in a `LIKE`). ID numbers, and a resident's phone where it is their sign-in and where
    /// codes are counted.
    pub fn key(&self, kind: &str, value: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.mac(kind, value)[..16])
    }
}

impl app::services::Keyed for FieldCipher {
    fn digest(&self, kind: &str, value: &str) -> String {
        FieldCipher::digest(self, kind, value)
    }
}

/// `plain` compressed (DEFLATE, fastest level: sealing happens while a resident waits), or
/// `None` when that would not make it shorter. Each thread keeps its compressor (making one
/// reserves and clears a few hundred KB, more than compressing a value costs).
fn deflate(plain: &[u8]) -> Option<Vec<u8>> {
    thread_local! {
        static COMPRESS: std::cell::RefCell<flate2::Compress> =
            std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::fast(), false));
    }
    COMPRESS.with_borrow_mut(|c| {
        c.reset();
        // Room for a shorter result only: one that does not fit is not wanted.
        let mut out = Vec::with_capacity(plain.len());
        match c.compress_vec(plain, &mut out, flate2::FlushCompress::Finish) {
            Ok(flate2::Status::StreamEnd) if out.len() < plain.len() => Some(out),
            _ => None,
        }
    })
}

/// What `deflate` compressed; `None` if it is not DEFLATE or opens to more than
/// `INFLATE_AT_MOST`.
fn inflate(deflated: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(deflated.len() * 4);
    flate2::read::DeflateDecoder::new(deflated)
        .take(INFLATE_AT_MOST + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= INFLATE_AT_MOST).then_some(out)
}

/// Two-character surnames (复姓) in use today: a name beginning with one has its given name
/// after them.
const COMPOUND_SURNAMES: [&str; 24] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "端木", "南宫", "西门", "独孤", "百里", "呼延", "澹台", "申屠",
];

/// The forms of a person's name that find them: the whole name, and for a Chinese name also
/// the given name when it has two characters or more (after the surname, one character or a
/// compound one), so that 有福 finds 孙有福 and 春晓 finds 欧阳春晓 without the store holding
/// anything it could match substrings in. Spaces are dropped; Latin letters compared without
/// case.
pub fn name_keys(name: &str) -> Vec<String> {
    let whole = name_query(name);
    if whole.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![whole.clone()];
    if whole.chars().all(|c| !c.is_ascii()) {
        let surname = COMPOUND_SURNAMES
            .iter()
            .find(|s| whole.starts_with(*s))
            .map_or(1, |_| 2);
        let given: String = whole.chars().skip(surname).collect();
        if given.chars().count() >= 2 {
            keys.push(given);
        }
    }
    keys
}

/// The name a search asks for, normalised as `name_keys` normalises stored names.
pub fn name_query(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_column_and_unaltered() {
        let c = FieldCipher::random();
        let s = c.seal("applications.declaration", "孙有福 620702197001016016");
        assert!(FieldCipher::is_sealed(&s));
        assert!(!s.contains("620702") && !s.contains("孙"));
        assert_eq!(
            c.open("applications.declaration", &s).unwrap(),
            "孙有福 620702197001016016"
        );
        // Two seals of one value differ (fresh nonce): equal values cannot be spotted.
        assert_ne!(
            s,
            c.seal("applications.declaration", "孙有福 620702197001016016")
        );
        assert!(c.open("drafts.data", &s).is_err(), "bound to its column");
        assert!(FieldCipher::random()
            .open("applications.declaration", &s)
            .is_err());
        let mut altered = s.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert!(c.open("applications.declaration", &altered).is_err());
        match c.open("applications.declaration", "{\"name\":\"孙有福\"}") {
            Err(DbError::Other(m)) => {
                assert!(m.contains("applications.declaration") && !m.contains("孙"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_long_value_is_compressed_before_sealing_and_opens_only_as_it_was_sealed() {
        let c = FieldCipher::random();
        let long: String = (0..200)
            .map(|i| format!("{{\"rule\":\"低保标准\",\"member\":{i}}},"))
            .collect();
        let s = c.seal("assessments.assessment", &long);
        assert!(s.starts_with(SEALED_DEFLATED) && FieldCipher::is_sealed(&s));
        assert!(s.len() < long.len() / 4, "{} of {}", s.len(), long.len());
        assert!(!s.contains("低保"));
        assert_eq!(c.open("assessments.assessment", &s).unwrap(), long);
        assert!(
            c.open("applications.declaration", &s).is_err(),
            "bound to its column"
        );
        // The prefix is bound too: read as uncompressed it does not open.
        let relabelled = s.replacen(SEALED_DEFLATED, SEALED, 1);
        assert!(c.open("assessments.assessment", &relabelled).is_err());
        // A short value is sealed as it is; a long one opens again whatever it holds (one that
        // compression would not shorten is sealed as it is too).
        let short = "孙有福";
        assert!(c.seal("x", short).starts_with(SEALED));
        let noise: String = (0..600u32)
            .map(|i| {
                char::from_u32(0x4e00 + (i.wrapping_mul(2_654_435_761) >> 20) % 20_000).unwrap()
            })
            .collect();
        let s = c.seal("x", &noise);
        assert_eq!(c.open("x", &s).unwrap(), noise);
    }

    #[test]
    fn a_sealed_file_opens_only_under_its_name() {
        let c = FieldCipher::random();
        let png = b"\x89PNG\r\n\x1a\n the ID card";
        let s = c.seal_bytes("ab12", png);
        assert!(FieldCipher::is_sealed_bytes(&s) && !FieldCipher::is_sealed_bytes(png));
        assert!(!s.windows(7).any(|w| w == b"ID card"));
        assert_eq!(c.open_bytes("ab12", &s).unwrap(), png);
        assert!(c.open_bytes("cd34", &s).is_err());
        assert!(c.open_bytes("ab12", png).is_err());
        assert!(FieldCipher::random().open_bytes("ab12", &s).is_err());
    }

    #[test]
    fn digests_are_keyed_and_separated_by_kind() {
        let c = FieldCipher::from_hex(&"11".repeat(32)).unwrap();
        let again = FieldCipher::from_hex(&"11".repeat(32)).unwrap();
        assert_eq!(c.digest("name", "孙有福"), again.digest("name", "孙有福"));
        assert_ne!(c.digest("name", "孙有福"), c.digest("id_number", "孙有福"));
        assert_ne!(
            c.digest("name", "孙有福"),
            FieldCipher::random().digest("name", "孙有福")
        );
        assert_eq!(c.digest("name", "孙有福").len(), 64);
        let key = c.id_key("62070219700101602X");
        assert_eq!(
            key.len(),
            22,
            "never 18 or 11, the lengths of an ID number and a phone"
        );
        assert_eq!(key, again.id_key("62070219700101602X"));
        assert_ne!(key, c.key("phone", "62070219700101602X"));
        assert!(FieldCipher::from_hex("abc").is_err());
        assert!(FieldCipher::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn a_name_is_found_by_its_whole_and_its_given_name() {
        assert_eq!(name_keys("孙有福"), vec!["孙有福", "有福"]);
        assert_eq!(name_keys(" 刘 春生 "), vec!["刘春生", "春生"]);
        assert_eq!(name_keys("王五"), vec!["王五"]);
        assert_eq!(name_keys("欧阳春晓"), vec!["欧阳春晓", "春晓"]);
        assert_eq!(name_keys("欧阳晓"), vec!["欧阳晓"]);
        assert_eq!(name_keys("Li Lei"), vec!["lilei"]);
        assert!(name_keys("  ").is_empty());
        assert_eq!(name_query(" Li lei"), "lilei");
    }
}
