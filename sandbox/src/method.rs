//! The gateway methods the sandbox answers (the three sending calls and the five companion calls), and the name of each one's response node.

use std::borrow::Cow;
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
    /// `alipay.marketing.voucher.query`: one voucher by its id.
    VoucherQuery,
    /// `alipay.marketing.voucher.list.query`: a user's vouchers of one template.
    VoucherListQuery,
    /// `alipay.marketing.voucher.templatedetail.query`: a template's status, window and counts.
    TemplateDetailQuery,
    /// `alipay.marketing.cashlessvoucher.template.create`: create a cashless voucher template.
    CashlessTemplateCreate,
    /// `koubei.marketing.tool.points.query`: the points of a stamp-card account.
    PointsQuery,
}

impl Method {
    /// Every method, in a stable order.
    pub const ALL: [Method; 8] = [
        Method::InviteAwardReceive,
        Method::VoucherSend,
        Method::PointsUpdate,
        Method::VoucherQuery,
        Method::VoucherListQuery,
        Method::TemplateDetailQuery,
        Method::CashlessTemplateCreate,
        Method::PointsQuery,
    ];

    /// The wire name, e.g. `"alipay.marketing.voucher.send"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::InviteAwardReceive => "alipay.user.invite.award.receive",
            Method::VoucherSend => "alipay.marketing.voucher.send",
            Method::PointsUpdate => "koubei.marketing.tool.points.update",
            Method::VoucherQuery => "alipay.marketing.voucher.query",
            Method::VoucherListQuery => "alipay.marketing.voucher.list.query",
            Method::TemplateDetailQuery => "alipay.marketing.voucher.templatedetail.query",
            Method::CashlessTemplateCreate => "alipay.marketing.cashlessvoucher.template.create",
            Method::PointsQuery => "koubei.marketing.tool.points.query",
        }
    }

    /// The response node: the method with `.` replaced by `_`, then `_response`.
    pub fn response_node(self) -> &'static str {
        match self {
            Method::InviteAwardReceive => "alipay_user_invite_award_receive_response",
            Method::VoucherSend => "alipay_marketing_voucher_send_response",
            Method::PointsUpdate => "koubei_marketing_tool_points_update_response",
            Method::VoucherQuery => "alipay_marketing_voucher_query_response",
            Method::VoucherListQuery => "alipay_marketing_voucher_list_query_response",
            Method::TemplateDetailQuery => "alipay_marketing_voucher_templatedetail_query_response",
            Method::CashlessTemplateCreate => {
                "alipay_marketing_cashlessvoucher_template_create_response"
            }
            Method::PointsQuery => "koubei_marketing_tool_points_query_response",
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

/// As its wire name.
impl serde::Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <Cow<'de, str>>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
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
