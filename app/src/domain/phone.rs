//! 手机号 `Phone`: a mainland mobile number (`^1[3-9]\d{9}$`), shown masked by default.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneError;

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let s: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let b = s.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(s))
        } else {
            Err(PhoneError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_mobiles_only() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(
            Phone::parse("138 1234 5678").unwrap().as_str(),
            "13812345678"
        );
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "1381234567a",
            "",
            "+8613812345678",
        ] {
            assert_eq!(Phone::parse(bad), Err(PhoneError), "{bad}");
        }
    }
}
