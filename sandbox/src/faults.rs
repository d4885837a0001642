//! Fault injection: what can go wrong between a client and the gateway, on demand, per method, by a seeded rate
//! or as a script of the next N calls.
//!
//! Faults apply to calls that passed every gateway check (so a script counts only well-formed, authenticated
//! calls of its method). The first rule that fires decides; `Latency` delays the call, which then proceeds.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::SandboxError;
use crate::method::Method;

/// One thing that goes wrong with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Nothing: a script step that lets the call through.
    Pass,
    /// Wait this long before handling the call (then handle it normally).
    Latency(Duration),
    /// Answer `20000 isp.unknow-error` without applying the call's effect.
    ErrorBeforeEffect,
    /// Apply the effect, then answer `20000 isp.unknow-error`: the client cannot know it took effect.
    ErrorAfterEffect,
    /// Close the connection without any response (the effect is not applied).
    DropConnection,
    /// Answer HTTP 502 with an HTML page, as a proxy in front of the gateway would (no effect).
    Http502,
    /// Answer `40005 isv.app-call-limited` (no effect).
    Throttle,
    /// Apply the call, then alter its answer after signing it (a member is added to the node, or one character of
    /// an encrypted node's ciphertext is changed), as a tampering proxy would: the sign no longer verifies.
    TamperedAnswer,
    /// Apply the call, then answer without the top-level `sign`: an unsigned success must never be trusted, and
    /// an unsigned error does not settle the outcome.
    UnsignedAnswer,
    /// Apply the call, then sign its answer with a key other than the Alipay key (or the current Alipay
    /// certificate's key): the envelope is well formed, the sign does not verify.
    WrongSignature,
    /// Apply the call, then answer a success that keeps only `code` and `msg` (no `voucher_id`, no award), validly
    /// signed: the client must report it as unreadable with the outcome unknown, never as a success.
    IncompleteAnswer,
}

impl Fault {
    /// The name used in JSON and in the call counts: `pass`, `latency`, `error_before_effect`,
    /// `error_after_effect`, `drop_connection`, `http_502`, `throttle`, `tampered_answer`, `unsigned_answer`,
    /// `wrong_signature`, `incomplete_answer`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Pass => "pass",
            Fault::Latency(_) => "latency",
            Fault::ErrorBeforeEffect => "error_before_effect",
            Fault::ErrorAfterEffect => "error_after_effect",
            Fault::DropConnection => "drop_connection",
            Fault::Http502 => "http_502",
            Fault::Throttle => "throttle",
            Fault::TamperedAnswer => "tampered_answer",
            Fault::UnsignedAnswer => "unsigned_answer",
            Fault::WrongSignature => "wrong_signature",
            Fault::IncompleteAnswer => "incomplete_answer",
        }
    }

    /// The faults that apply the call and then forge its answer.
    pub(crate) fn forges_answer(&self) -> bool {
        matches!(
            self,
            Fault::TamperedAnswer
                | Fault::UnsignedAnswer
                | Fault::WrongSignature
                | Fault::IncompleteAnswer
        )
    }

    fn from_name(name: &str, ms: Option<u64>) -> Result<Fault, String> {
        Ok(match name {
            "pass" => Fault::Pass,
            "latency" => Fault::Latency(Duration::from_millis(
                ms.ok_or("a latency fault needs \"ms\", e.g. {\"kind\":\"latency\",\"ms\":500}")?,
            )),
            "error_before_effect" => Fault::ErrorBeforeEffect,
            "error_after_effect" => Fault::ErrorAfterEffect,
            "drop_connection" => Fault::DropConnection,
            "http_502" => Fault::Http502,
            "throttle" => Fault::Throttle,
            "tampered_answer" => Fault::TamperedAnswer,
            "unsigned_answer" => Fault::UnsignedAnswer,
            "wrong_signature" => Fault::WrongSignature,
            "incomplete_answer" => Fault::IncompleteAnswer,
            other => {
                return Err(format!(
                    "unknown fault {other:?}; use pass, latency, error_before_effect, error_after_effect, \
                     drop_connection, http_502, throttle, tampered_answer, unsigned_answer, wrong_signature or \
                     incomplete_answer"
                ));
            }
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Latency(d) => write!(f, "latency {} ms", d.as_millis()),
            other => f.write_str(other.name()),
        }
    }
}

/// JSON: a name (`"throttle"`) or an object (`{"kind":"latency","ms":300}`).
#[derive(Deserialize)]
#[serde(untagged)]
enum FaultJson {
    Name(String),
    Object {
        kind: String,
        #[serde(default)]
        ms: Option<u64>,
    },
}

impl<'de> Deserialize<'de> for Fault {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (name, ms) = match FaultJson::deserialize(d)? {
            FaultJson::Name(n) => (n, None),
            FaultJson::Object { kind, ms } => (kind, ms),
        };
        Fault::from_name(&name, ms).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Fault {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Fault::Latency(d) => {
                serde_json::json!({"kind": "latency", "ms": d.as_millis() as u64}).serialize(s)
            }
            other => s.serialize_str(other.name()),
        }
    }
}

/// One rule of a [`FaultPlan`]: for calls of `method` (or every method), first the `script`, one step per call,
/// then `fault` at `rate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The gateway method this rule applies to; absent means every method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Faults for the next calls, in order (`"pass"` lets one through).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub script: Vec<Fault>,
    /// The fault drawn at `rate` once the script is used up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Probability in `[0, 1]` that `fault` hits a call (seeded, so runs repeat).
    #[serde(default)]
    pub rate: f64,
}

/// Faults to arm: `POST /admin/faults` takes it as JSON, [`crate::Sandbox::arm_faults`] as a value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Seed of the rate draws; absent: the sandbox's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The rules, checked in order.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a script: the next calls of `method` (`None`: of any method) meet these faults in order.
    pub fn script(mut self, method: Option<&str>, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.rules.push(FaultRule {
            method: method.map(str::to_owned),
            script: faults.into_iter().collect(),
            fault: None,
            rate: 0.0,
        });
        self
    }

    /// Adds a rate: each call of `method` (`None`: of any method) meets `fault` with probability `rate`.
    pub fn rate(mut self, method: Option<&str>, fault: Fault, rate: f64) -> Self {
        self.rules.push(FaultRule {
            method: method.map(str::to_owned),
            script: Vec::new(),
            fault: Some(fault),
            rate,
        });
        self
    }

    /// Sets the seed of the rate draws.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Parses and checks a JSON plan.
    pub fn from_json_str(text: &str) -> Result<Self, SandboxError> {
        let plan: FaultPlan = serde_json::from_str(text)
            .map_err(|e| SandboxError::faults(format!("invalid fault plan: {e}")))?;
        plan.validate()?;
        Ok(plan)
    }

    /// Checks method names and rates.
    pub fn validate(&self) -> Result<(), SandboxError> {
        for (i, rule) in self.rules.iter().enumerate() {
            if let Some(m) = &rule.method {
                if m == crate::checks::CERT_DOWNLOAD_METHOD {
                    return Err(SandboxError::faults(format!(
                        "rules[{i}].method: {m} is answered without faults; faults apply to {}",
                        Method::ALL.map(Method::as_str).join(", ")
                    )));
                }
                m.parse::<Method>()
                    .map_err(|e| SandboxError::faults(format!("rules[{i}].method: {e}")))?;
            }
            if !(0.0..=1.0).contains(&rule.rate) {
                return Err(SandboxError::faults(format!(
                    "rules[{i}].rate {} is not between 0 and 1",
                    rule.rate
                )));
            }
            if rule.rate > 0.0 && rule.fault.is_none() {
                return Err(SandboxError::faults(format!(
                    "rules[{i}] has a rate but no \"fault\" to draw"
                )));
            }
            if rule.script.is_empty() && rule.fault.is_none() {
                return Err(SandboxError::faults(format!(
                    "rules[{i}] has neither a script nor a fault"
                )));
            }
        }
        Ok(())
    }
}

/// Armed faults with their progress: scripts consumed, the random stream advanced.
#[derive(Debug)]
pub(crate) struct ArmedFaults {
    rules: Vec<ArmedRule>,
    rng: SplitMix64,
}

#[derive(Debug)]
struct ArmedRule {
    method: Option<Method>,
    script: VecDeque<Fault>,
    fault: Option<Fault>,
    rate: f64,
}

impl ArmedFaults {
    pub(crate) fn none(seed: u64) -> Self {
        ArmedFaults {
            rules: Vec::new(),
            rng: SplitMix64(seed),
        }
    }

    /// Arms a checked plan, replacing what was armed.
    pub(crate) fn arm(plan: &FaultPlan, default_seed: u64) -> Self {
        let rules = plan
            .rules
            .iter()
            .map(|r| ArmedRule {
                method: r.method.as_deref().and_then(|m| m.parse().ok()),
                script: r.script.iter().copied().collect(),
                fault: r.fault,
                rate: r.rate,
            })
            .collect();
        ArmedFaults {
            rules,
            rng: SplitMix64(plan.seed.unwrap_or(default_seed)),
        }
    }

    /// The fault this call meets, if any.
    pub(crate) fn next(&mut self, method: Method) -> Option<Fault> {
        for rule in &mut self.rules {
            if rule.method.is_some_and(|m| m != method) {
                continue;
            }
            if let Some(step) = rule.script.pop_front() {
                return (step != Fault::Pass).then_some(step);
            }
            if let Some(fault) = rule.fault {
                if rule.rate > 0.0 && self.rng.next_f64() < rule.rate {
                    return Some(fault);
                }
            }
        }
        None
    }

    /// What is still armed, as JSON (for `GET /admin/state`).
    pub(crate) fn describe(&self) -> serde_json::Value {
        let rules: Vec<_> = self
            .rules
            .iter()
            .filter(|r| !r.script.is_empty() || (r.fault.is_some() && r.rate > 0.0))
            .map(|r| {
                serde_json::json!({
                    "method": r.method.map(Method::as_str),
                    "script_left": r.script.iter().collect::<Vec<_>>(),
                    "fault": r.fault,
                    "rate": r.rate,
                })
            })
            .collect();
        serde_json::Value::Array(rules)
    }
}

/// A small seeded generator (SplitMix64): repeatable fault draws without a dependency.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_json_accepts_names_and_objects() {
        let plan = FaultPlan::from_json_str(
            r#"{"seed":7,"rules":[{"method":"alipay.marketing.voucher.send","script":["pass",{"kind":"latency","ms":20},"http_502"]},
                {"fault":"throttle","rate":0.5}]}"#,
        )
        .expect("plan");
        assert_eq!(
            plan.rules[0].script,
            [
                Fault::Pass,
                Fault::Latency(Duration::from_millis(20)),
                Fault::Http502
            ]
        );
        assert_eq!(plan.rules[1].fault, Some(Fault::Throttle));
        let back = serde_json::to_string(&plan).expect("serialise");
        assert_eq!(FaultPlan::from_json_str(&back).expect("round trip"), plan);

        let plan = FaultPlan::from_json_str(
            r#"{"rules":[{"script":["tampered_answer","unsigned_answer",{"kind":"wrong_signature"}]}]}"#,
        )
        .expect("answer faults");
        assert_eq!(
            plan.rules[0].script,
            [
                Fault::TamperedAnswer,
                Fault::UnsignedAnswer,
                Fault::WrongSignature
            ]
        );
        let back = serde_json::to_string(&plan).expect("serialise");
        assert_eq!(FaultPlan::from_json_str(&back).expect("round trip"), plan);
    }

    #[test]
    fn plan_errors_say_what_is_wrong() {
        let e = FaultPlan::from_json_str(r#"{"rules":[{"script":["boom"]}]}"#)
            .expect_err("unknown fault");
        assert!(e.to_string().contains("unknown fault \"boom\""), "{e}");
        let e =
            FaultPlan::from_json_str(r#"{"rules":[{"method":"x.y","fault":"throttle","rate":1}]}"#)
                .expect_err("unknown method");
        assert!(e.to_string().contains("rules[0].method"), "{e}");
        let e = FaultPlan::from_json_str(r#"{"rules":[{"fault":"throttle","rate":2}]}"#)
            .expect_err("rate");
        assert!(e.to_string().contains("not between 0 and 1"), "{e}");
        let e = FaultPlan::from_json_str(r#"{"rules":[{"script":[{"kind":"latency"}]}]}"#)
            .expect_err("ms");
        assert!(
            e.to_string().contains("needs \\\"ms\\\"") || e.to_string().contains("needs \"ms\""),
            "{e}"
        );
    }

    #[test]
    fn script_is_consumed_per_method_then_passes() {
        let plan = FaultPlan::new().script(
            Some(Method::VoucherSend.as_str()),
            [Fault::Throttle, Fault::Pass, Fault::Http502],
        );
        let mut armed = ArmedFaults::arm(&plan, 1);
        assert_eq!(armed.next(Method::PointsUpdate), None);
        assert_eq!(armed.next(Method::VoucherSend), Some(Fault::Throttle));
        assert_eq!(armed.next(Method::VoucherSend), None);
        assert_eq!(armed.next(Method::VoucherSend), Some(Fault::Http502));
        assert_eq!(armed.next(Method::VoucherSend), None);
    }

    #[test]
    fn rate_draws_repeat_with_the_same_seed() {
        let plan = FaultPlan::new().rate(None, Fault::Throttle, 0.3).seed(42);
        let draw = || {
            let mut armed = ArmedFaults::arm(&plan, 0);
            (0..1000)
                .filter(|_| armed.next(Method::InviteAwardReceive).is_some())
                .count()
        };
        let hits = draw();
        assert_eq!(hits, draw());
        assert!(
            (200..400).contains(&hits),
            "{hits} hits out of 1000 at rate 0.3"
        );
    }

    #[test]
    fn plans_naming_the_certificate_download_are_refused() {
        let e = FaultPlan::from_json_str(
            r#"{"rules":[{"method":"alipay.open.app.alipaycert.download","fault":"throttle","rate":1.0}]}"#,
        )
        .expect_err("no faults for the download");
        assert!(e.to_string().contains("answered without faults"), "{e}");
    }
}
