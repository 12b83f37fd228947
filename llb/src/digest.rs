//! [`Digest`]: the `sha256:<hex>` string that names an LLB op.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

/// Prefix of every digest this crate produces or accepts.
const PREFIX: &str = "sha256:";
/// Length of the hex part of a sha256 digest.
const HEX_LEN: usize = 64;

/// A content digest in OCI form, `sha256:` plus 64 lowercase hex digits.
///
/// An op's digest is the sha256 of its serialized bytes; `Input.digest`,
/// `Definition.metadata` keys and `Source.locations` keys use this string. The text is
/// shared: a clone (the marshal keeps one per op in several tables) copies no bytes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Digest(Arc<str>);

/// The text's order (what the Definition's sorted maps need), found faster: every digest is
/// `sha256:` and 64 hex digits, so its first 8 hex digits, read as one big-endian number,
/// order as the text does; the rest of the text only breaks ties.
impl Ord for Digest {
    fn cmp(&self, other: &Digest) -> std::cmp::Ordering {
        self.head()
            .cmp(&other.head())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Digest {
    fn partial_cmp(&self, other: &Digest) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a string is not a [`Digest`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The algorithm prefix is missing or not `sha256:`.
    #[error("unsupported digest algorithm in {0:?}: expected \"sha256:\"")]
    Algorithm(String),
    /// The hex part has the wrong length or a character outside `0-9a-f`.
    #[error("invalid checksum digest format {0:?}")]
    Format(String),
}

impl Digest {
    /// The sha256 digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let sum = Sha256::digest(bytes);
        let mut text = [0u8; PREFIX.len() + HEX_LEN];
        text[..PREFIX.len()].copy_from_slice(PREFIX.as_bytes());
        for (pair, b) in text[PREFIX.len()..].chunks_exact_mut(2).zip(sum) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 0xf)];
        }
        // Only ASCII was written.
        Digest(Arc::from(std::str::from_utf8(&text).unwrap_or_default()))
    }

    /// Parses and validates `sha256:<64 lowercase hex>`.
    pub fn parse(s: &str) -> Result<Digest, DigestError> {
        let Some(hex_part) = s.strip_prefix(PREFIX) else {
            return Err(DigestError::Algorithm(s.to_string()));
        };
        let valid_hex = hex_part.len() == HEX_LEN
            && hex_part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid_hex {
            return Err(DigestError::Format(s.to_string()));
        }
        Ok(Digest(Arc::from(s)))
    }

    /// The full `sha256:…` string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex part without the algorithm prefix.
    pub fn hex(&self) -> &str {
        self.0.strip_prefix(PREFIX).unwrap_or(&self.0)
    }

    /// The first 8 hex digits read as one big-endian number: digests order as their heads do
    /// when these differ (see [`Ord`]). Every `Digest` has them (its constructors check the
    /// form); 0 stands in for a text too short.
    pub(crate) fn head(&self) -> u64 {
        self.0
            .as_bytes()
            .get(PREFIX.len()..PREFIX.len() + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_be_bytes)
    }

    /// The first 12 hex digits, for human-facing output.
    pub fn short(&self) -> &str {
        let hex = self.hex();
        hex.get(..12).unwrap_or(hex)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Digest, DigestError> {
        Digest::parse(s)
    }
}

impl AsRef<str> for Digest {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Digest {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A fast, non-cryptographic hasher for digest-keyed maps. A
/// `sha256:<hex>` key is hashed by 16 of its hex digits, which are already
/// uniformly distributed; other keys FxHash-style, 8 bytes per step. Keys
/// come from Definitions, trusted enough that hash flooding is no concern.
#[derive(Default, Clone, Copy)]
pub(crate) struct DigestHasher(u64);

const SEED: u64 = 0x517c_c1b7_2722_0a95;

impl DigestHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl std::hash::Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        if bytes.len() == PREFIX.len() + HEX_LEN && bytes.starts_with(PREFIX.as_bytes()) {
            let mut a = [0u8; 8];
            let mut b = [0u8; 8];
            a.copy_from_slice(&bytes[7..15]);
            b.copy_from_slice(&bytes[15..23]);
            self.mix(u64::from_le_bytes(a));
            self.mix(u64::from_le_bytes(b));
            return;
        }
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` keyed by digests (or their `&str`), with [`DigestHasher`].
pub(crate) type DigestMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<DigestHasher>>;

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        String::from(&*d.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input_is_the_well_known_value() {
        assert_eq!(
            Digest::of(b"").as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn order_is_the_texts() {
        let digests: Vec<Digest> = (0..200u32).map(|i| Digest::of(&i.to_le_bytes())).collect();
        let mut by_digest = digests.clone();
        by_digest.sort();
        let mut by_text: Vec<&str> = digests.iter().map(Digest::as_str).collect();
        by_text.sort();
        assert_eq!(
            by_digest.iter().map(Digest::as_str).collect::<Vec<_>>(),
            by_text
        );
        // Equal first digits: the rest decides.
        let a = Digest::parse(&format!("sha256:{}1", "a".repeat(63))).unwrap();
        let b = Digest::parse(&format!("sha256:{}2", "a".repeat(63))).unwrap();
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Less);
        assert_eq!(b.cmp(&a), std::cmp::Ordering::Greater);
        assert_eq!(a.cmp(&a), std::cmp::Ordering::Equal);
    }

    #[test]
    fn parse_accepts_valid_and_rejects_malformed() {
        let d = Digest::of(b"x");
        assert_eq!(Digest::parse(d.as_str()), Ok(d.clone()));
        assert_eq!(d.short().len(), 12);
        assert!(matches!(
            Digest::parse("md5:00"),
            Err(DigestError::Algorithm(_))
        ));
        assert!(matches!(
            Digest::parse("sha256:abc"),
            Err(DigestError::Format(_))
        ));
        let upper = format!("sha256:{}", "A".repeat(64));
        assert!(matches!(Digest::parse(&upper), Err(DigestError::Format(_))));
    }
}
