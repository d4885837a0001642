//! Masking of personal data for `Debug` output and logs: mobiles as `186****1111`, user ids as `2088****5678`.
//!
//! A value too short to keep its ends without showing most of it is masked whole (`****`), so a malformed value
//! typed into the wrong field never leaks. Lengths are counted in characters, so non-ASCII input is safe.

/// What stands in for the hidden middle of a value, whatever its length (so the length is hidden too).
const STARS: &str = "****";

/// Masks a mobile number (or another login name such as an e-mail address): the first 3 and last 4 characters
/// stay, the rest becomes `****`. `"18612341111"` becomes `"186****1111"`; values shorter than 11 characters
/// become `"****"`.
pub fn mask_mobile(mobile: &str) -> String {
    keep_ends(mobile, 3, 4, 11)
}

/// Masks an Alipay user id (or another account identifier such as an open_id): the first 4 and last 4 characters
/// stay, the rest becomes `****`. `"2088102146225135"` becomes `"2088****5135"`; values shorter than 12
/// characters become `"****"`.
pub fn mask_user_id(user_id: &str) -> String {
    keep_ends(user_id, 4, 4, 12)
}

/// Masks an `app_auth_token` (or another credential-like identifier) as the sign strings in errors and logs show
/// it: the first 4 and last 4 characters stay; values shorter than 12 characters become `"****"`.
pub fn mask_token(token: &str) -> String {
    keep_ends(token, 4, 4, 12)
}

/// Keeps `head` leading and `tail` trailing characters of values at least `min_len` characters long.
fn keep_ends(value: &str, head: usize, tail: usize, min_len: usize) -> String {
    let len = value.chars().count();
    if len < min_len {
        return STARS.to_owned();
    }
    let mut out: String = value.chars().take(head).collect();
    out.push_str(STARS);
    out.extend(value.chars().skip(len - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_keeps_first_three_and_last_four_digits() {
        assert_eq!(mask_mobile("18612341111"), "186****1111");
    }

    #[test]
    fn mobile_shorter_than_eleven_characters_is_masked_whole() {
        assert_eq!(mask_mobile("1861234111"), "****");
        assert_eq!(mask_mobile(""), "****");
    }

    #[test]
    fn longer_login_name_hides_its_length() {
        assert_eq!(mask_mobile("someone@example.com"), "som****.com");
        assert_eq!(mask_mobile("+8618612341111"), "+86****1111");
    }

    #[test]
    fn user_id_keeps_first_four_and_last_four_digits() {
        assert_eq!(mask_user_id("2088102146225135"), "2088****5135");
    }

    #[test]
    fn user_id_shorter_than_twelve_characters_is_masked_whole() {
        assert_eq!(mask_user_id("20881021462"), "****");
        assert_eq!(mask_user_id("淘宝昵称"), "****");
    }

    #[test]
    fn non_ascii_values_are_cut_on_character_boundaries() {
        assert_eq!(
            mask_user_id("一二三四五六七八九十甲乙"),
            "一二三四****九十甲乙"
        );
        assert_eq!(mask_mobile("一二三四五六七八九十甲"), "一二三****八九十甲");
    }
}
