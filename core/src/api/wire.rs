//! Reading response fields the official models type loosely: counts that arrive as JSON numbers or as decimal
//! strings, and text fields where an empty string means "absent".

use serde_json::Value;

use crate::{Error, Result};

/// A non-empty string field, or `None` (absent, null or empty).
pub(super) fn text(node: &Value, field: &str) -> Option<String> {
    match node.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A required non-empty string field; the error names the method and the field.
pub(super) fn required_text(node: &Value, field: &str, method: &str) -> Result<String> {
    text(node, field).ok_or_else(|| Error::decode(format!("{method} response has no {field}")))
}

/// A whole, non-negative count sent as a JSON number or a decimal string; `None` when absent or empty.
pub(super) fn count(node: &Value, field: &str, method: &str) -> Result<Option<u64>> {
    let bad = |shown: &str| {
        Error::decode(format!(
            "{method} response field {field} is {shown}, not a whole number"
        ))
    };
    match node.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad(&n.to_string())),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| bad(&format!("{s:?}"))),
        Some(other) => Err(bad(&other.to_string())),
    }
}

/// The node parsed as a JSON object; the error names the method.
pub(super) fn object(node: &str, method: &str) -> Result<Value> {
    let value: Value = serde_json::from_str(node)
        .map_err(|e| Error::decode(format!("{method} response node is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::decode(format!(
            "{method} response node is not a JSON object"
        )));
    }
    Ok(value)
}

/// An enum of documented wire values that keeps any other value as `Other(String)`, so that a value added by the
/// gateway later reads as data instead of failing the call. Generates `as_str`, `From<&str>` and `Display`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this SDK does not know yet, as sent.
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(value) => value,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accept_numbers_and_decimal_strings() {
        let node = serde_json::json!({"a": 3, "b": "42", "c": "", "d": "x", "e": -1});
        assert_eq!(count(&node, "a", "m").unwrap(), Some(3));
        assert_eq!(count(&node, "b", "m").unwrap(), Some(42));
        assert_eq!(count(&node, "c", "m").unwrap(), None);
        assert_eq!(count(&node, "z", "m").unwrap(), None);
        assert!(
            count(&node, "d", "m")
                .unwrap_err()
                .message()
                .contains("field d")
        );
        assert!(count(&node, "e", "m").is_err());
    }

    #[test]
    fn empty_text_is_absent() {
        let node = serde_json::json!({"a": "", "b": "x"});
        assert_eq!(text(&node, "a"), None);
        assert_eq!(text(&node, "b").as_deref(), Some("x"));
        assert!(
            required_text(&node, "a", "m")
                .unwrap_err()
                .message()
                .contains("no a")
        );
    }
}
