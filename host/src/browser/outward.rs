//! Outward actions as the browser sees them: the requests that invite, message or withdraw,
//! and the permits the journal hands out for them.
//!
//! A lane's click is not trusted to mean anything. What the host trusts is the request the
//! page sends: the guard ([`super::guard`]) pauses every request of the browser, and one that
//! matches an [`OutwardRule`] (the simulator's endpoints and LinkedIn's known ones, plus any
//! in `[[linkedin.outward]]`) is let through only if the lane that drives the tab holds an
//! unused [`Permit`] for that action and that person, handed out by `begin-action` in the same
//! call. A permit lets exactly one request through: a lane that calls `begin-action` once
//! cannot send twice, and a lane without the `crm` grant cannot send at all.

use crate::crm::Action;
use outlane_linkedin::ProfileId;
use serde::Deserialize;
use serde_json::Value;

/// How a request names the person it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetField {
    /// A JSON body whose field holds the person's vanity or member id (the simulator's
    /// `{"handle": …}`).
    Json(String),
    /// `urn:li:fsd_profile:<member id>` somewhere in the body or the URL (Voyager).
    ProfileUrn,
    /// The request does not say reliably (a message to an existing conversation names the
    /// conversation): any permit of the action is taken.
    Unknown,
}

impl<'de> Deserialize<'de> for TargetField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "urn" => Ok(TargetField::ProfileUrn),
            "none" => Ok(TargetField::Unknown),
            other => match other.strip_prefix("json:") {
                Some(field) if !field.is_empty() => Ok(TargetField::Json(field.to_string())),
                _ => Err(serde::de::Error::custom(format!(
                    "target {other:?}: write \"json:<field>\", \"urn\" or \"none\""
                ))),
            },
        }
    }
}

/// One kind of request that performs an outward action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutwardRule {
    /// The action the request performs.
    pub action: Action,
    /// Its HTTP method (upper case).
    #[serde(default = "post")]
    pub method: String,
    /// Its path on the site (canonical origin), matched as a prefix.
    pub path: String,
    /// Text the query string must contain, when the path alone does not tell the action.
    #[serde(default)]
    pub query: Option<String>,
    /// How the request names the person.
    #[serde(default = "unknown_target")]
    pub target: TargetField,
}

fn post() -> String {
    "POST".into()
}

fn unknown_target() -> TargetField {
    TargetField::Unknown
}

fn rule(action: Action, path: &str, query: Option<&str>, target: TargetField) -> OutwardRule {
    OutwardRule {
        action,
        method: post(),
        path: path.to_string(),
        query: query.map(str::to_string),
        target,
    }
}

/// The rules always in force: the simulator's page endpoints and the write endpoints
/// LinkedIn's own pages are known to call.
pub fn default_rules() -> Vec<OutwardRule> {
    let handle = || TargetField::Json("handle".into());
    vec![
        rule(Action::Invite, "/__sim/ui/invite", None, handle()),
        rule(Action::Message, "/__sim/ui/message", None, handle()),
        rule(Action::Withdraw, "/__sim/ui/withdraw", None, handle()),
        rule(
            Action::Invite,
            "/voyager/api/voyagerRelationshipsDashMemberRelationships",
            Some("verifyQuotaAndCreate"),
            TargetField::ProfileUrn,
        ),
        rule(
            Action::Invite,
            "/voyager/api/growth/normInvitations",
            None,
            TargetField::ProfileUrn,
        ),
        rule(
            Action::Message,
            "/voyager/api/voyagerMessagingDashMessengerMessages",
            Some("createMessage"),
            TargetField::Unknown,
        ),
        rule(
            Action::Message,
            "/voyager/api/messaging/conversations",
            None,
            TargetField::Unknown,
        ),
        rule(
            Action::Withdraw,
            "/voyager/api/voyagerRelationshipsDashInvitations",
            Some("withdraw"),
            TargetField::Unknown,
        ),
        rule(
            Action::Withdraw,
            "/voyager/api/relationships/invitations",
            Some("withdraw"),
            TargetField::Unknown,
        ),
    ]
}

/// Paths of the served site that lanes never reach, whatever their origin allow-list: the
/// simulator's control API (it answers the account's password and the checkpoint PIN).
/// `/__sim/ui/` is not part of it: the simulator's own pages call it, like LinkedIn's pages
/// call its API, and its writes are outward actions.
pub fn is_control_path(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    path.starts_with("/__sim") && !path.starts_with("/__sim/ui/")
}

/// A request to act, as the guard sees it.
#[derive(Debug, Clone, Copy)]
pub struct ActionRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path on the canonical origin.
    pub path: &'a str,
    /// Query string (without `?`), if any.
    pub query: Option<&'a str>,
    /// The body, when the browser reported it.
    pub body: Option<&'a str>,
}

/// The person a request names, as ids in canonical form; `None` when the rule cannot tell.
pub type Named = Option<Vec<ProfileId>>;

impl OutwardRule {
    /// Whether `request` is this kind of outward action.
    pub fn matches(&self, request: &ActionRequest<'_>) -> bool {
        request.method.eq_ignore_ascii_case(&self.method)
            && request.path.starts_with(&self.path)
            && self
                .query
                .as_deref()
                .is_none_or(|q| request.query.is_some_and(|have| have.contains(q)))
    }

    /// The people `request` names (an empty list: it names nobody recognisable).
    pub fn named(&self, request: &ActionRequest<'_>) -> Named {
        match &self.target {
            TargetField::Unknown => None,
            TargetField::Json(field) => Some(
                request
                    .body
                    .and_then(|b| serde_json::from_str::<Value>(b).ok())
                    .and_then(|v| v.get(field).and_then(Value::as_str).map(str::to_string))
                    .and_then(|id| ProfileId::from_identifier(&id).ok())
                    .into_iter()
                    .collect(),
            ),
            TargetField::ProfileUrn => {
                let mut found = Vec::new();
                for text in [request.body.unwrap_or(""), request.query.unwrap_or("")] {
                    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
                    for part in decoded.split("urn:li:fsd_profile:").skip(1) {
                        let id: String = part
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                            .collect();
                        if let Ok(p) = ProfileId::from_identifier(&id) {
                            found.push(p);
                        }
                    }
                }
                Some(found)
            }
        }
    }
}

/// The first rule `request` matches.
pub fn classify<'r>(
    rules: &'r [OutwardRule],
    request: &ActionRequest<'_>,
) -> Option<&'r OutwardRule> {
    rules.iter().find(|r| r.matches(request))
}

/// The right to send one outward request, handed out by `begin-action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    /// The journal intent it belongs to.
    pub intent: u64,
    /// The lane call that began it (a permit never outlives its call).
    pub call: u64,
    /// The action.
    pub action: Action,
    /// The person's ids (vanity and member id, as far as known).
    pub ids: Vec<ProfileId>,
    /// Whether its one request has gone out.
    pub used: bool,
}

impl Permit {
    /// Whether this permit covers a request of `action` naming `named`, sent in `call`.
    pub fn covers(&self, call: u64, action: Action, named: &Named) -> bool {
        !self.used
            && self.call == call
            && self.action == action
            && match named {
                None => true,
                Some(people) => people.iter().any(|p| self.ids.contains(p)),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(path: &'a str, query: Option<&'a str>, body: Option<&'a str>) -> ActionRequest<'a> {
        ActionRequest {
            method: "POST",
            path,
            query,
            body,
        }
    }

    #[test]
    fn requests_are_classified_and_their_person_read() {
        let rules = default_rules();
        let invite = req(
            "/__sim/ui/invite",
            None,
            Some(r#"{"handle":"Jane-Doe","note":null}"#),
        );
        let rule = classify(&rules, &invite).unwrap();
        assert_eq!(rule.action, Action::Invite);
        assert_eq!(
            rule.named(&invite),
            Some(vec![ProfileId::Vanity("jane-doe".into())])
        );
        let get = ActionRequest {
            method: "GET",
            ..invite
        };
        assert!(classify(&rules, &get).is_none(), "a GET acts on nothing");
        let voyager = req(
            "/voyager/api/voyagerRelationshipsDashMemberRelationships",
            Some("action=verifyQuotaAndCreateV2"),
            Some(
                r#"{"invitee":{"inviteeUnion":{"memberProfile":"urn:li:fsd_profile:ACoAAAbcdefghijklmnop"}}}"#,
            ),
        );
        let rule = classify(&rules, &voyager).unwrap();
        assert_eq!(rule.action, Action::Invite);
        assert_eq!(
            rule.named(&voyager),
            Some(vec![ProfileId::Member("ACoAAAbcdefghijklmnop".into())])
        );
        let other = req(
            "/voyager/api/voyagerRelationshipsDashMemberRelationships",
            Some("action=other"),
            None,
        );
        assert!(classify(&rules, &other).is_none());
        let withdraw = req(
            "/voyager/api/relationships/invitations/123",
            Some("action=withdraw"),
            None,
        );
        assert_eq!(
            classify(&rules, &withdraw).unwrap().action,
            Action::Withdraw
        );
        let nameless = req("/__sim/ui/message", None, Some("not json"));
        assert_eq!(
            classify(&rules, &nameless).unwrap().named(&nameless),
            Some(vec![])
        );
    }

    #[test]
    fn a_permit_covers_one_request_of_its_call_action_and_person() {
        let jane = ProfileId::Vanity("jane".into());
        let permit = Permit {
            intent: 1,
            call: 7,
            action: Action::Invite,
            ids: vec![jane.clone()],
            used: false,
        };
        assert!(permit.covers(7, Action::Invite, &Some(vec![jane.clone()])));
        assert!(permit.covers(7, Action::Invite, &None));
        assert!(
            !permit.covers(8, Action::Invite, &Some(vec![jane.clone()])),
            "another call"
        );
        assert!(!permit.covers(7, Action::Message, &Some(vec![jane.clone()])));
        assert!(!permit.covers(
            7,
            Action::Invite,
            &Some(vec![ProfileId::Vanity("bob".into())])
        ));
        assert!(
            !permit.covers(7, Action::Invite, &Some(vec![])),
            "names nobody"
        );
        let used = Permit {
            used: true,
            ..permit
        };
        assert!(!used.covers(7, Action::Invite, &None));
    }

    #[test]
    fn control_paths() {
        assert!(is_control_path("/__sim/state"));
        assert!(is_control_path("/__SIM/checkpoint/solve"));
        assert!(is_control_path("/__sim"));
        assert!(!is_control_path("/__sim/ui/invite"));
        assert!(!is_control_path("/in/jane/"));
    }
}
