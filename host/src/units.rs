//! Human-readable quantities used in configuration files: durations ("120s", "1h30m") and
//! byte sizes ("64MiB").
//!
//! Every duration Outlane reads is bounded: [`HumanDuration::parse`] refuses anything longer
//! than [`MAX_DURATION`] (so no deadline computed from it can overflow), and each setting
//! checks its own range with [`HumanDuration::within`], so that a typo such as `every = "1ns"`
//! or `wall = "500000000000years"` is a clear error when the file is read, not a failure later.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::time::Duration;

/// The longest duration any setting accepts (one year).
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

/// A duration written for people: "500ms", "120s", "2m", "1h30m", "24h".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// Parses "120s", "1h 30m" and the like. A bare number is rejected: the unit is required.
    /// Durations over [`MAX_DURATION`] are refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty duration: write e.g. \"120s\", \"5m\" or \"24h\"".into());
        }
        let parsed = humantime::parse_duration(text).map_err(|e| {
            format!("invalid duration {text:?} ({e}): write e.g. \"120s\", \"5m\" or \"24h\"")
        })?;
        if parsed > MAX_DURATION {
            return Err(format!(
                "duration {text:?} is too long: at most {}",
                humantime::format_duration(MAX_DURATION)
            ));
        }
        Ok(HumanDuration(parsed))
    }

    /// `Ok` when the duration lies in `min..=max`; else a message saying the allowed range.
    pub fn within(self, min: Duration, max: Duration) -> Result<Duration, String> {
        if self.0 < min || self.0 > max {
            return Err(format!(
                "{} is out of range: it must be from {} to {}",
                humantime::format_duration(self.0),
                humantime::format_duration(min),
                humantime::format_duration(max)
            ));
        }
        Ok(self.0)
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"120s\", \"5m\" or \"24h\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<HumanDuration, E> {
                HumanDuration::parse(text).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<HumanDuration, E> {
                Err(E::custom(format!(
                    "{n} has no unit: write a duration such as \"{n}s\" or \"{n}m\""
                )))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<HumanDuration, E> {
                self.visit_i64(i64::try_from(n).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<HumanDuration, E> {
                Err(E::custom(format!(
                    "{n} has no unit: write a duration such as \"90s\" or \"1m30s\""
                )))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// Reads a [`std::time::Duration`] written as a [`HumanDuration`] (for `#[serde(with)]`).
pub mod duration {
    use super::HumanDuration;
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    /// The duration, parsed like [`HumanDuration::parse`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        HumanDuration::deserialize(d).map(|h| h.0)
    }
}

/// A size in bytes, written as "64MiB", "512KiB", "1GiB", "10MB" or a plain number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parses a size such as "64MiB". Units: B, KB, MB, GB (powers of 1000) and KiB, MiB, GiB
    /// (powers of 1024).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let number: u64 = digits
            .parse()
            .map_err(|_| format!("invalid size {text:?}: write e.g. \"64MiB\""))?;
        let factor: u64 = match unit.trim() {
            "" | "B" => 1,
            "KB" | "kB" => 1_000,
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            other => {
                return Err(format!(
                    "invalid size unit {other:?} in {text:?}: use B, KB, MB, GB, KiB, MiB or GiB"
                ));
            }
        };
        number
            .checked_mul(factor)
            .map(ByteSize)
            .ok_or_else(|| format!("size {text:?} is too large"))
    }
}

impl ByteSize {
    /// The size rounded for people: "146.0MiB", "12.5KiB", "300B".
    pub fn approx(self) -> String {
        let b = self.0 as f64;
        if self.0 >= 1 << 30 {
            format!("{:.1}GiB", b / (1u64 << 30) as f64)
        } else if self.0 >= 1 << 20 {
            format!("{:.1}MiB", b / (1u64 << 20) as f64)
        } else if self.0 >= 1 << 10 {
            format!("{:.1}KiB", b / (1u64 << 10) as f64)
        } else {
            format!("{}B", self.0)
        }
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= 1 << 30 && b.is_multiple_of(1 << 30) {
            write!(f, "{}GiB", b >> 30)
        } else if b >= 1 << 20 && b.is_multiple_of(1 << 20) {
            write!(f, "{}MiB", b >> 20)
        } else if b >= 1 << 10 && b.is_multiple_of(1 << 10) {
            write!(f, "{}KiB", b >> 10)
        } else {
            write!(f, "{b}B")
        }
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as \"64MiB\" or a number of bytes")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<ByteSize, E> {
                u64::try_from(n).map(ByteSize).map_err(|_| {
                    E::custom(format!(
                        "{n} is negative: write a size such as \"64MiB\" or a number of bytes"
                    ))
                })
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<ByteSize, E> {
                Err(E::custom(format!(
                    "{n} is not a whole number of bytes: write a size such as \"64MiB\""
                )))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<ByteSize, E> {
                ByteSize::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            HumanDuration::parse("120s").unwrap().0,
            Duration::from_secs(120)
        );
        assert_eq!(
            HumanDuration::parse("1h30m").unwrap().0,
            Duration::from_secs(5400)
        );
        assert_eq!(
            HumanDuration::parse("250ms").unwrap().0,
            Duration::from_millis(250)
        );
        assert!(HumanDuration::parse("120").is_err());
        assert!(HumanDuration::parse("").is_err());
        assert!(HumanDuration::parse("soon").is_err());
        let huge = HumanDuration::parse("500000000000years").unwrap_err();
        assert!(huge.contains("too long"), "{huge}");
        let range = HumanDuration::parse("1ns")
            .unwrap()
            .within(Duration::from_secs(1), Duration::from_secs(60))
            .unwrap_err();
        assert!(range.contains("from 1s to 1m"), "{range}");
    }

    #[derive(Debug, serde::Deserialize)]
    struct SizeField {
        #[allow(dead_code)]
        size: ByteSize,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Timed {
        #[allow(dead_code)]
        every: HumanDuration,
    }

    #[test]
    fn bad_values_say_what_to_write() {
        let e = toml::from_str::<SizeField>("size = -1")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("-1 is negative") && !e.contains("untagged"),
            "{e}"
        );
        let e = toml::from_str::<SizeField>("size = 1.5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("whole number"), "{e}");
        let e = toml::from_str::<SizeField>("size = true")
            .unwrap_err()
            .to_string();
        assert!(e.contains("64MiB"), "{e}");
        assert_eq!(
            toml::from_str::<SizeField>("size = 4096").unwrap().size,
            ByteSize(4096)
        );
        let e = toml::from_str::<Timed>("every = 30")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"30s\""), "{e}");
    }

    #[test]
    fn sizes() {
        assert_eq!(ByteSize::parse("64MiB").unwrap().0, 64 << 20);
        assert_eq!(ByteSize::parse("10MB").unwrap().0, 10_000_000);
        assert_eq!(ByteSize::parse("4096").unwrap().0, 4096);
        assert!(ByteSize::parse("12XB").is_err());
        assert!(ByteSize::parse("MiB").is_err());
        assert_eq!(ByteSize(64 << 20).to_string(), "64MiB");
        assert_eq!(ByteSize(153_035_568).approx(), "145.9MiB");
        assert_eq!(ByteSize(300).approx(), "300B");
    }
}
