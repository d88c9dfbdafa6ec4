//! The enums that are only a name (a range, a chart view, an activity's kind, a
//! price source), read from JSON by that name. The derived `Deserialize` of such
//! an enum also reads `{"name": null}` and comes with serde_json's whole enum
//! machinery for each enum; reading a string and looking it up is a fraction of
//! that code in the WASM (1.4 KB less, brotli, for these four). `Serialize` stays derived: each enum's test checks that
//! the names here are the ones it writes.

use serde::de::{Deserialize, Deserializer, Error, Unexpected};

/// The variant of `all` whose `name` is the string read; `expected` says what the
/// names are when it is none of them.
pub fn by_name<'de, D: Deserializer<'de>, T: Copy>(
    deserializer: D,
    all: &[T],
    name: fn(T) -> &'static str,
    expected: &'static str,
) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    all.iter()
        .copied()
        .find(|variant| name(*variant) == text)
        .ok_or_else(|| D::Error::invalid_value(Unexpected::Str(&text), &expected))
}

/// For the enums' tests: every variant is written as its name and read back, and
/// a name that is none of them is refused.
#[cfg(test)]
pub fn assert_names_round_trip<T>(all: &[T], name: fn(T) -> &'static str)
where
    T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    for variant in all {
        let json = serde_json::to_string(variant).unwrap();
        assert_eq!(json, format!("\"{}\"", name(*variant)), "{variant:?}");
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *variant);
        assert_eq!(crate::wire::from_json::<T>(&json).unwrap(), *variant);
    }
    assert!(serde_json::from_str::<T>(r#""no such name""#).is_err());
    assert!(serde_json::from_str::<T>("3").is_err());
}
