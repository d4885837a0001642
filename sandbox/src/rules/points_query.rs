//! `koubei.marketing.tool.points.query`: the balance that `points.update` keeps. The counts are strings, as the
//! gateway sends them; `total_points` is reported as available + frozen (the sandbox keeps no history of spent
//! points, which Alipay's accumulated total would include).

use super::{Call, Outcome};
use crate::state::World;

pub(super) fn query(world: &mut World, call: &Call<'_>) -> Outcome {
    let [account, user_id] = match call.params.require(["activity_account", "user_id"]) {
        Ok(f) => f,
        Err(outcome) => return outcome,
    };
    let Some(balance) = world
        .balances
        .get(account)
        .and_then(|users| users.get(user_id))
    else {
        return Outcome::invalid(format!(
            "no stamp-card account {account:?} for this user_id"
        ));
    };
    Outcome::success([
        ("available_points", balance.available.to_string()),
        ("freezed_points", balance.frozen.to_string()),
        (
            "total_points",
            (balance.available + balance.frozen).to_string(),
        ),
    ])
}
