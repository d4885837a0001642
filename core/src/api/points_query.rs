//! `koubei.marketing.tool.points.query`: the points of one user's stamp-card account. A read: the client retries
//! it like a keyed call.
//!
//! Fields follow `KoubeiMarketingToolPointsQueryModel` and `KoubeiMarketingToolPointsQueryResponse`
//! (alipay-sdk-java-all `com.alipay.api.domain` / `com.alipay.api.response`). The response's counts are strings on
//! the wire (`available_points`, `freezed_points` — the gateway's spelling —, `total_points`); they are read as
//! whole numbers.

use std::fmt;

use serde::Serialize;

use super::wire;
use super::{ApiRequest, rules};
use crate::mask::mask_user_id;
use crate::{Error, Result};

/// Request of `koubei.marketing.tool.points.query`. `Debug` masks the user id.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PointsQueryRequest {
    /// The stamp-card (points) account of the activity, at most 64 characters. Required.
    pub activity_account: String,
    /// The Alipay user id: 16 digits starting with 2088. Required.
    pub user_id: String,
}

impl PointsQueryRequest {
    /// The gateway method.
    pub const METHOD: &'static str = "koubei.marketing.tool.points.query";

    /// The points of `user_id` on the account `activity_account`.
    pub fn new(activity_account: impl Into<String>, user_id: impl Into<String>) -> Self {
        PointsQueryRequest {
            activity_account: activity_account.into(),
            user_id: user_id.into(),
        }
    }
}

impl fmt::Debug for PointsQueryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PointsQueryRequest")
            .field("activity_account", &self.activity_account)
            .field("user_id", &mask_user_id(&self.user_id))
            .finish()
    }
}

impl ApiRequest for PointsQueryRequest {
    type Response = PointsBalance;

    fn method(&self) -> &str {
        Self::METHOD
    }

    fn validate(&self) -> Result<()> {
        // The same limits as koubei.marketing.tool.points.update, which names the same account.
        rules::identifier("activity_account", &self.activity_account, 64)?;
        rules::user_id("user_id", &self.user_id)
    }

    fn biz_content(&self) -> Result<String> {
        rules::biz_json(self)
    }

    fn read_only(&self) -> bool {
        true
    }

    fn parse_response(&self, node: &str) -> Result<PointsBalance> {
        let method = Self::METHOD;
        let n = wire::object(node, method)?;
        let points = |field: &str| {
            wire::count(&n, field, method)?
                .ok_or_else(|| Error::decode(format!("{method} response has no {field}")))
        };
        Ok(PointsBalance {
            available_points: points("available_points")?,
            freezed_points: points("freezed_points")?,
            total_points: points("total_points")?,
        })
    }
}

/// Result of `koubei.marketing.tool.points.query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PointsBalance {
    /// Points that can be frozen or consumed (可用集点).
    pub available_points: u64,
    /// Points held by open freezes (冻结集点; the gateway spells the field `freezed_points`).
    pub freezed_points: u64,
    /// Accumulated points (累计集点), as the gateway reports them.
    pub total_points: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const USER_ID: &str = "2088102146225135";

    #[test]
    fn request_validates_account_and_user_and_masks_the_user() {
        let r = PointsQueryRequest::new("STAMP-CARD-01", USER_ID);
        assert!(r.validate().is_ok() && r.read_only());
        assert_eq!(r.method(), "koubei.marketing.tool.points.query");
        assert_eq!(
            r.biz_content().unwrap(),
            r#"{"activity_account":"STAMP-CARD-01","user_id":"2088102146225135"}"#
        );
        assert!(!format!("{r:?}").contains(USER_ID));
        for (bad, field) in [
            (PointsQueryRequest::new("", USER_ID), "activity_account"),
            (
                PointsQueryRequest::new("a".repeat(65), USER_ID),
                "activity_account",
            ),
            (PointsQueryRequest::new("STAMP", "2088"), "user_id"),
        ] {
            let e = bad.validate().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
            assert_eq!(e.field(), Some(field));
        }
    }

    #[test]
    fn response_reads_string_counts() {
        let r = PointsQueryRequest::new("STAMP", USER_ID);
        let b = r
            .parse_response(r#"{"code":"10000","msg":"Success","available_points":"70","freezed_points":"30","total_points":"100"}"#)
            .unwrap();
        assert_eq!(
            (b.available_points, b.freezed_points, b.total_points),
            (70, 30, 100)
        );
        let e = r
            .parse_response(r#"{"available_points":"70","total_points":"100"}"#)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("freezed_points"), "{e}");
        assert!(
            r.parse_response(
                r#"{"available_points":"-1","freezed_points":"0","total_points":"0"}"#
            )
            .is_err()
        );
    }
}
