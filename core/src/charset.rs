//! The request charset (docs/protocol.md §1.3, §2.5): UTF-8 by default; GBK and GB18030 for apps configured that way.
//! With a non-UTF-8 charset the signed bytes, the percent-encoding and the response text all use it.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// A charset the gateway accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Charset {
    /// `utf-8` (the default and the safe choice).
    #[default]
    Utf8,
    /// `GBK` (GB2312 text is a subset and is sent as GBK).
    Gbk,
    /// `GB18030`.
    Gb18030,
}

impl Charset {
    /// The `charset` parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Gbk => "GBK",
            Charset::Gb18030 => "GB18030",
        }
    }

    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            Charset::Utf8 => encoding_rs::UTF_8,
            Charset::Gbk => encoding_rs::GBK,
            Charset::Gb18030 => encoding_rs::GB18030,
        }
    }

    /// Whether a byte starts a multi-byte character whose later bytes may look like ASCII (GBK's trail bytes
    /// include `\`), so a JSON scanner must step over the whole character.
    pub(crate) fn is_double_byte_lead(self, byte: u8) -> bool {
        !matches!(self, Charset::Utf8) && (0x81..=0xFE).contains(&byte)
    }

    /// The bytes of `text` in this charset; an error naming `field` if a character cannot be represented.
    pub fn encode<'a>(self, field: &str, text: &'a str) -> Result<Cow<'a, [u8]>> {
        if self == Charset::Utf8 || text.is_ascii() {
            return Ok(Cow::Borrowed(text.as_bytes()));
        }
        let (bytes, _, unmappable) = self.encoding().encode(text);
        if unmappable {
            let bad = text
                .chars()
                .find(|c| self.encoding().encode(c.encode_utf8(&mut [0; 4])).2)
                .unwrap_or('\u{fffd}');
            return Err(Error::invalid_request(
                field,
                format!(
                    "contains {bad:?} (U+{:04X}), which {} cannot represent; remove it or use charset utf-8",
                    bad as u32,
                    self.as_str()
                ),
            ));
        }
        Ok(bytes)
    }

    /// The form encoder of this charset (values already checked with [`Charset::encode`]).
    pub(crate) fn form_encoder(self) -> for<'t> fn(&'t str) -> Cow<'t, [u8]> {
        match self {
            Charset::Utf8 => |text| Cow::Borrowed(text.as_bytes()),
            Charset::Gbk => |text| encoding_rs::GBK.encode(text).0,
            Charset::Gb18030 => |text| encoding_rs::GB18030.encode(text).0,
        }
    }

    /// Text received in this charset.
    pub fn decode<'a>(self, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
        let (text, had_errors) = self.encoding().decode_without_bom_handling(bytes);
        if had_errors {
            return Err(Error::decode(format!(
                "the response is not valid {} text",
                self.as_str()
            )));
        }
        Ok(text)
    }
}

impl std::fmt::Display for Charset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Charset {
    type Err = Error;

    fn from_str(text: &str) -> Result<Charset> {
        match text.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Charset::Utf8),
            "gbk" | "gb2312" => Ok(Charset::Gbk),
            "gb18030" => Ok(Charset::Gb18030),
            other => Err(Error::config_field(
                "charset",
                format!(
                    "{other:?} is not supported; use \"utf-8\" (recommended), \"GBK\" or \"GB18030\""
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_round_trips_chinese_and_names_the_field_it_cannot_encode() {
        let bytes = Charset::Gbk.encode("memo", "新客礼券").unwrap();
        assert_eq!(bytes.len(), 8);
        assert_eq!(Charset::Gbk.decode(&bytes).unwrap(), "新客礼券");
        let e = Charset::Gbk.encode("memo", "礼券 🎁").unwrap_err();
        assert_eq!(e.field(), Some("memo"));
        assert!(e.to_string().contains("U+1F381"), "{e}");
        assert!(Charset::Gb18030.encode("memo", "礼券 🎁").is_ok());
    }

    #[test]
    fn names_parse_case_insensitively() {
        assert_eq!("GBK".parse::<Charset>().unwrap(), Charset::Gbk);
        assert_eq!("gb2312".parse::<Charset>().unwrap(), Charset::Gbk);
        assert_eq!("UTF-8".parse::<Charset>().unwrap(), Charset::Utf8);
        assert_eq!(
            "latin1".parse::<Charset>().unwrap_err().field(),
            Some("charset")
        );
    }
}
