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
/// The environment variable naming a file that holds the passphrase (a container's secret, a
/// file only the user can read), when [`PASSPHRASE_ENV`] is not set.
pub const PASSPHRASE_FILE_ENV: &str = "OUTLANE_PASSPHRASE_FILE";
/// The systemd credential holding the passphrase (`LoadCredential=outlane-passphrase:FILE` in
/// the unit, read from `$CREDENTIALS_DIRECTORY`), when neither variable is set.
pub const PASSPHRASE_CREDENTIAL: &str = "outlane-passphrase";
/// Largest passphrase file read.
const MAX_PASSPHRASE_FILE: u64 = 64 << 10;

/// The passphrase: [`PASSPHRASE_ENV`], else the file [`PASSPHRASE_FILE_ENV`] names, else the
/// systemd credential [`PASSPHRASE_CREDENTIAL`]; a file's trailing line break is dropped. The
/// error says what to set.
pub fn passphrase() -> Result<Zeroizing<String>, String> {
    passphrase_from(|name| std::env::var(name).ok())
}

/// [`passphrase`] with the environment read through `var` (tests).
pub fn passphrase_from(var: impl Fn(&str) -> Option<String>) -> Result<Zeroizing<String>, String> {
    if let Some(text) = var(PASSPHRASE_ENV).filter(|p| !p.is_empty()) {
        return Ok(Zeroizing::new(text));
    }
    let file = var(PASSPHRASE_FILE_ENV)
        .filter(|f| !f.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            var("CREDENTIALS_DIRECTORY")
                .filter(|d| !d.is_empty())
                .map(|d| std::path::Path::new(&d).join(PASSPHRASE_CREDENTIAL))
                .filter(|p| p.is_file())
        });
    let Some(file) = file else {
        return Err(format!(
            "no passphrase: set {PASSPHRASE_ENV}, or {PASSPHRASE_FILE_ENV} to a file holding it \
             (or, under systemd, LoadCredential={PASSPHRASE_CREDENTIAL}:FILE)"
        ));
    };
    let text = crate::files::read_text(&file, MAX_PASSPHRASE_FILE)
        .map_err(|e| format!("the passphrase file {}: {e}", file.display()))?;
    let text = Zeroizing::new(text);
    let trimmed = text.trim_end_matches(['\n', '\r']);
    if trimmed.is_empty() {
        return Err(format!("the passphrase file {} is empty", file.display()));
    }
    Ok(Zeroizing::new(trimmed.to_string()))
}

const MAGIC: &[u8; 4] = b"OLS1";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// Why a secret could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The passphrase is empty.
    #[error("the passphrase is empty: set {PASSPHRASE_ENV} (or {PASSPHRASE_FILE_ENV})")]
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
    fn the_passphrase_comes_from_the_variable_a_file_or_a_systemd_credential() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pass");
        std::fs::write(&file, "from a file\n").unwrap();
        std::fs::write(dir.path().join(PASSPHRASE_CREDENTIAL), "from systemd\r\n").unwrap();
        let env = |pairs: Vec<(&'static str, String)>| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
            }
        };
        let file_s = file.display().to_string();
        let creds = dir.path().display().to_string();
        let got = |pairs| passphrase_from(env(pairs)).map(|p| p.to_string());
        assert_eq!(
            got(vec![
                (PASSPHRASE_ENV, "direct".into()),
                (PASSPHRASE_FILE_ENV, file_s.clone())
            ])
            .unwrap(),
            "direct"
        );
        assert_eq!(
            got(vec![
                (PASSPHRASE_FILE_ENV, file_s.clone()),
                ("CREDENTIALS_DIRECTORY", creds.clone())
            ])
            .unwrap(),
            "from a file"
        );
        assert_eq!(
            got(vec![("CREDENTIALS_DIRECTORY", creds)]).unwrap(),
            "from systemd"
        );
        let none = got(vec![]).unwrap_err();
        assert!(
            none.contains(PASSPHRASE_ENV) && none.contains(PASSPHRASE_FILE_ENV),
            "{none}"
        );
        let missing = got(vec![(PASSPHRASE_FILE_ENV, "/nonexistent/pass".into())]).unwrap_err();
        assert!(missing.contains("/nonexistent/pass"), "{missing}");
        std::fs::write(&file, "\n").unwrap();
        assert!(
            got(vec![(PASSPHRASE_FILE_ENV, file_s)])
                .unwrap_err()
                .contains("is empty")
        );
    }

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
