//! Slack's request signatures: `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256 of
//! `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the app's signing secret. Compared
//! in constant time (`Mac::verify_slice`), so the signature cannot be guessed a byte at a time.

use hmac::{Hmac, KeyInit, Mac};
use sha2_next::Sha256;

type HmacSha256 = Hmac<Sha256>;

const VERSION: &str = "v0";

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(VERSION.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// The signature Slack would send for this request (tests sign with it).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{VERSION}={hex}")
}

/// Whether `signature` is Slack's for this timestamp and body.
pub fn verify(secret: &[u8], timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Some(hex) = signature.trim().strip_prefix("v0=") else {
        return false;
    };
    let Some(presented) = decode_hex(hex) else {
        return false;
    };
    mac(secret, timestamp, body)
        .verify_slice(&presented)
        .is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example in Slack's "Verifying requests from Slack".
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_own_example_signs_and_verifies() {
        assert_eq!(
            sign(SECRET.as_bytes(), TIMESTAMP, BODY.as_bytes()),
            SIGNATURE
        );
        assert!(verify(
            SECRET.as_bytes(),
            TIMESTAMP,
            BODY.as_bytes(),
            SIGNATURE
        ));
    }

    #[test]
    fn anything_changed_fails() {
        let ok = |secret: &str, timestamp: &str, body: &str, signature: &str| {
            verify(secret.as_bytes(), timestamp, body.as_bytes(), signature)
        };
        assert!(!ok("other-secret", TIMESTAMP, BODY, SIGNATURE));
        assert!(!ok(SECRET, "1531420619", BODY, SIGNATURE));
        assert!(!ok(SECRET, TIMESTAMP, &format!("{BODY}&x=1"), SIGNATURE));
        assert!(!ok(
            SECRET,
            TIMESTAMP,
            BODY,
            &SIGNATURE.replace("v0=", "v1=")
        ));
        assert!(!ok(
            SECRET,
            TIMESTAMP,
            BODY,
            &SIGNATURE[..SIGNATURE.len() - 2]
        ));
        assert!(!ok(SECRET, TIMESTAMP, BODY, "v0=zz"));
        assert!(!ok(SECRET, TIMESTAMP, BODY, ""));
    }
}
