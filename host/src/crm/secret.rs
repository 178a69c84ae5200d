//! Sealing the LinkedIn password: it is never stored in plain text.
//!
//! The key is derived from a passphrase (the `OUTLANE_PASSPHRASE` environment variable, or
//! typed at a prompt) with Argon2id and a random salt; the password is encrypted with
//! ChaCha20-Poly1305 under a random nonce. The sealed form is
//! `b"OLS1" | salt (16) | nonce (12) | ciphertext+tag`, stored in the accounts table. Without
//! the passphrase the database alone does not give the password away; a wrong passphrase is
//! detected (the tag does not verify) rather than yielding garbage.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use zeroize::Zeroizing;

/// The environment variable holding the passphrase the password is sealed with.
pub const PASSPHRASE_ENV: &str = "OUTLANE_PASSPHRASE";

const MAGIC: &[u8; 4] = b"OLS1";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// Why a secret could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The passphrase is empty.
    #[error("the passphrase is empty: set {PASSPHRASE_ENV}")]
    EmptyPassphrase,
    /// The sealed bytes are not in Outlane's format (truncated or from elsewhere).
    #[error("the stored password is not in a format this outlane can read")]
    Malformed,
    /// The passphrase is not the one the password was sealed with (or the data was altered).
    #[error("wrong passphrase: the stored password cannot be decrypted (check {PASSPHRASE_ENV})")]
    WrongPassphrase,
    /// Key derivation failed.
    #[error("key derivation failed: {0}")]
    Kdf(String),
}

/// Encrypts `plaintext` under `passphrase`.
pub fn seal(passphrase: &str, plaintext: &str) -> Result<Vec<u8>, SecretError> {
    let salt: [u8; SALT_LEN] = rand::random();
    let nonce: [u8; NONCE_LEN] = rand::random();
    let cipher = cipher(passphrase, &salt)?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
        .map_err(|_| SecretError::Malformed)?;
    let mut out = Vec::with_capacity(MAGIC.len() + SALT_LEN + NONCE_LEN + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts what [`seal`] produced.
pub fn open(passphrase: &str, sealed: &[u8]) -> Result<Zeroizing<String>, SecretError> {
    let body = sealed.strip_prefix(MAGIC).ok_or(SecretError::Malformed)?;
    if body.len() < SALT_LEN + NONCE_LEN + 16 {
        return Err(SecretError::Malformed);
    }
    let (salt, rest) = body.split_at(SALT_LEN);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let plain = cipher(passphrase, salt)?
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map_err(|_| SecretError::WrongPassphrase)?;
    String::from_utf8(plain)
        .map(Zeroizing::new)
        .map_err(|_| SecretError::Malformed)
}

fn cipher(passphrase: &str, salt: &[u8]) -> Result<ChaCha20Poly1305, SecretError> {
    if passphrase.is_empty() {
        return Err(SecretError::EmptyPassphrase);
    }
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| SecretError::Kdf(e.to_string()))?;
    Ok(ChaCha20Poly1305::new(Key::from_slice(key.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let sealed = seal("correct horse", "hunter2-secret").unwrap();
        assert!(
            !sealed.windows(7).any(|w| w == b"hunter2"),
            "the plain text must not appear in the sealed bytes"
        );
        assert_eq!(
            open("correct horse", &sealed).unwrap().as_str(),
            "hunter2-secret"
        );
        assert_eq!(
            open("wrong horse", &sealed).unwrap_err(),
            SecretError::WrongPassphrase
        );
        // Two seals of the same secret differ (fresh salt and nonce).
        assert_ne!(seal("correct horse", "hunter2-secret").unwrap(), sealed);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(seal("", "x").unwrap_err(), SecretError::EmptyPassphrase);
        assert_eq!(open("p", b"nope").unwrap_err(), SecretError::Malformed);
        let mut sealed = seal("p", "secret").unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(
            open("p", &sealed).unwrap_err(),
            SecretError::WrongPassphrase
        );
    }
}
