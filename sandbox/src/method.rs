//! The gateway methods the sandbox answers, and the name of each one's response node.

use std::fmt;
use std::str::FromStr;

/// A gateway method the sandbox implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `alipay.user.invite.award.receive`: new or old user, and the matching award.
    InviteAwardReceive,
    /// `alipay.marketing.voucher.send`: send a voucher of a template to a user.
    VoucherSend,
    /// `koubei.marketing.tool.points.update`: move points on a stamp-card account.
    PointsUpdate,
}

impl Method {
    /// Every method, in a stable order.
    pub const ALL: [Method; 3] = [
        Method::InviteAwardReceive,
        Method::VoucherSend,
        Method::PointsUpdate,
    ];

    /// The wire name, e.g. `"alipay.marketing.voucher.send"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::InviteAwardReceive => "alipay.user.invite.award.receive",
            Method::VoucherSend => "alipay.marketing.voucher.send",
            Method::PointsUpdate => "koubei.marketing.tool.points.update",
        }
    }

    /// The response node: the method with `.` replaced by `_`, then `_response`.
    pub fn response_node(self) -> &'static str {
        match self {
            Method::InviteAwardReceive => "alipay_user_invite_award_receive_response",
            Method::VoucherSend => "alipay_marketing_voucher_send_response",
            Method::PointsUpdate => "koubei_marketing_tool_points_update_response",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The method name is not one the sandbox implements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMethod(pub String);

impl fmt::Display for UnknownMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the sandbox does not implement method {:?}", self.0)
    }
}

impl std::error::Error for UnknownMethod {}

impl FromStr for Method {
    type Err = UnknownMethod;

    /// Exact match: the gateway's method names are case-sensitive.
    fn from_str(s: &str) -> Result<Self, UnknownMethod> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownMethod(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_node_is_the_method_with_underscores() {
        for m in Method::ALL {
            assert_eq!(
                m.response_node(),
                format!("{}_response", m.as_str().replace('.', "_"))
            );
            assert_eq!(m.as_str().parse::<Method>(), Ok(m));
        }
    }

    #[test]
    fn method_names_are_case_sensitive() {
        assert!("Alipay.Marketing.Voucher.Send".parse::<Method>().is_err());
    }
}
