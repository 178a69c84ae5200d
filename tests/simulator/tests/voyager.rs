//! The Voyager profile endpoint (§7.5): auth, CSRF, parameters, resolution, the normalized
//! body per relationship, the lexfridman fixture and the structural faults.

mod common;

use std::collections::HashMap;

use common::{Client, DECORATION, small};
use outlane_simulator::{Fault, FaultKind};
use serde_json::{Value, json};

async fn signed_in() -> Client {
    let mut c = Client::new(small());
    c.login().await;
    c
}

/// A small re-implementation of the reference parser's lookups (§4.2–4.6).
struct Doc {
    value: Value,
    urns: HashMap<String, Value>,
}

impl Doc {
    fn new(value: Value) -> Doc {
        let mut urns = HashMap::new();
        for e in value["included"].as_array().cloned().unwrap_or_default() {
            if let Some(u) = e["entityUrn"].as_str() {
                urns.insert(u.to_string(), e.clone());
            }
        }
        Doc { value, urns }
    }

    fn profile(&self, public_id: &str) -> Value {
        self.value["included"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|e| {
                        e["$type"] == "com.linkedin.voyager.dash.identity.profile.Profile"
                            && e["publicIdentifier"] == public_id
                    })
                    .cloned()
            })
            .unwrap_or(Value::Null)
    }

    fn resolve(&self, entity: &Value, key: &str) -> Value {
        match &entity[key] {
            Value::String(u) => self.urns.get(u).cloned().unwrap_or(Value::Null),
            Value::Array(list) => Value::Array(
                list.iter()
                    .filter_map(|u| u.as_str().and_then(|u| self.urns.get(u)).cloned())
                    .collect(),
            ),
            _ => Value::Null,
        }
    }

    fn positions(&self, profile: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        let groups = self.resolve(profile, "*profilePositionGroups");
        for group in self
            .resolve(&groups, "*elements")
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let inner = self.resolve(&group, "*profilePositionInPositionGroup");
            for pos in self
                .resolve(&inner, "*elements")
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                let company = self.resolve(&pos, "*company");
                let name = if company.is_object() {
                    company["name"].as_str().unwrap_or("").to_string()
                } else {
                    pos["companyName"]
                        .as_str()
                        .unwrap_or("Unknown Company")
                        .to_string()
                };
                out.push((
                    pos["title"].as_str().unwrap_or("").to_string(),
                    name,
                    pos["dateRange"].clone(),
                ));
            }
        }
        out
    }

    fn relationship_union(&self, profile: &Value) -> Value {
        let rel = self.resolve(profile, "*memberRelationship");
        assert_eq!(
            rel["memberRelationshipUnion"], rel["memberRelationshipData"],
            "mirrored"
        );
        rel["memberRelationshipUnion"].clone()
    }
}

async fn voyager_doc(c: &mut Client, identity: &str) -> Doc {
    let r = c.voyager(identity).await;
    assert_eq!(r.status, 200, "{identity}: {}", r.body);
    assert_eq!(
        r.content_type(),
        "application/vnd.linkedin.normalized+json+2.1; charset=UTF-8"
    );
    Doc::new(r.json())
}

#[tokio::test]
async fn without_session_401() {
    let mut c = Client::new(small());
    let r = c.voyager("ana-ribeiro").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["status"], 401);
}

#[tokio::test]
async fn csrf_mismatch_403_json() {
    let mut c = signed_in().await;
    let query = format!(
        "/voyager/api/identity/dash/profiles?decorationId={DECORATION}&memberIdentity=ana-ribeiro&q=memberIdentity"
    );
    let quoted = format!("\"{}\"", c.csrf());
    for bad in ["", "ajax:123", quoted.as_str()] {
        let r = c
            .request("GET", &query, &[("csrf-token", bad)], Vec::new())
            .await;
        assert_eq!(r.status, 403, "csrf {bad:?}");
        assert_eq!(r.json()["status"], 403);
    }
    let r = c.request("GET", &query, &[], Vec::new()).await;
    assert_eq!(r.status, 403, "missing csrf header");
}

#[tokio::test]
async fn wrong_parameters_400() {
    let mut c = signed_in().await;
    let csrf = c.csrf();
    for query in [
        "decorationId=com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-90&memberIdentity=ana-ribeiro&q=memberIdentity",
        "memberIdentity=ana-ribeiro&q=memberIdentity",
        &format!("decorationId={DECORATION}&memberIdentity=ana-ribeiro&q=other"),
        &format!("decorationId={DECORATION}&memberIdentity=ana-ribeiro"),
        &format!("decorationId={DECORATION}&q=memberIdentity"),
    ] {
        let r = c
            .request(
                "GET",
                &format!("/voyager/api/identity/dash/profiles?{query}"),
                &[("csrf-token", &csrf)],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 400, "{query}");
    }
}

#[tokio::test]
async fn restli_header_can_be_required() {
    let mut s = small();
    s.require_restli_header = true;
    let mut c = Client::new(s);
    c.login().await;
    let csrf = c.csrf();
    let r = c
        .request(
            "GET",
            &format!("/voyager/api/identity/dash/profiles?decorationId={DECORATION}&memberIdentity=me&q=memberIdentity"),
            &[("csrf-token", &csrf)],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(c.voyager("me").await.status, 200);
}

#[tokio::test]
async fn unknown_404_and_restricted_403() {
    let mut c = signed_in().await;
    let r = c.voyager("nobody-here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status"], 404);
    let r = c.voyager("jon-levi").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["status"], 403);
}

#[tokio::test]
async fn none_relationship_full_shape() {
    let mut c = signed_in().await;
    let doc = voyager_doc(&mut c, "ana-ribeiro").await;
    let ana = c
        .state
        .with(|w| w.person("ana-ribeiro").cloned())
        .expect("ana");
    let urn = format!("urn:li:fsd_profile:{}", ana.profile_id);
    assert_eq!(doc.value["data"]["*elements"], json!([urn]));
    assert_eq!(
        doc.value["data"]["$type"],
        "com.linkedin.restli.common.CollectionResponse"
    );
    assert_eq!(doc.value["data"]["paging"]["count"], 10);
    let p = doc.profile("ana-ribeiro");
    assert_eq!(p["entityUrn"], urn.as_str());
    assert!(
        p["$recipeTypes"].as_array().is_some_and(|r| r.iter().any(
            |x| x == "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities"
        ))
    );
    assert_eq!(p["firstName"], "Ana");
    assert_eq!(p["lastName"], "Ribeiro");
    assert_eq!(p["headline"], ana.headline.as_str());
    assert_eq!(
        p["summary"],
        ana.summary.clone().unwrap_or_default().as_str()
    );
    assert_eq!(
        p["objectUrn"],
        format!("urn:li:member:{}", ana.member_id).as_str()
    );
    assert!(p["locationName"].is_null());
    assert_eq!(p["location"]["countryCode"], "pt");
    assert_eq!(p["geoLocation"]["*geo"], p["geoLocation"]["geoUrn"]);
    let geo = doc.resolve(&p["geoLocation"], "*geo");
    assert_eq!(geo["defaultLocalizedName"], "Lisbon, Lisbon, Portugal");
    assert_eq!(
        geo["defaultLocalizedNameWithoutCountryName"],
        "Lisbon, Lisbon"
    );
    let country = doc
        .urns
        .get(geo["countryUrn"].as_str().unwrap_or(""))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(country["defaultLocalizedName"], "Portugal");
    assert_eq!(doc.resolve(&p, "*industry")["name"], "Financial Services");
    // Positions: two roles at Acme (one group) then Ledgerly.
    let positions = doc.positions(&p);
    assert_eq!(
        positions
            .iter()
            .map(|(t, c, _)| (t.as_str(), c.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("VP of Sales", "Acme Payments"),
            ("Sales Manager", "Acme Payments"),
            ("Account Executive", "Ledgerly")
        ]
    );
    assert_eq!(positions[0].2["start"]["year"], 2021);
    assert_eq!(positions[0].2["start"]["month"], 3);
    assert!(positions[0].2.get("end").is_none());
    assert_eq!(positions[1].2["end"]["year"], 2021);
    let groups = doc.resolve(&p, "*profilePositionGroups");
    assert_eq!(groups["*elements"].as_array().map(Vec::len), Some(2));
    assert!(
        groups["*elements"][0]
            .as_str()
            .unwrap_or("")
            .starts_with(&format!(
                "urn:li:fsd_profilePositionGroup:({},",
                ana.profile_id
            ))
    );
    // Educations.
    let eds = doc.resolve(&doc.resolve(&p, "*profileEducations"), "*elements");
    let ed = &eds[0];
    assert_eq!(
        doc.resolve(ed, "*school")["name"],
        "Nova School of Business and Economics"
    );
    assert_eq!(ed["degreeName"], "Master of Science (MS)");
    assert_eq!(ed["fieldOfStudy"], "Management");
    assert_eq!(ed["dateRange"]["end"]["year"], 2014);
    // Relationship NONE.
    let union = doc.relationship_union(&p);
    assert_eq!(union["noConnection"]["memberDistance"], "DISTANCE_2");
    assert!(union["noConnection"]["invitationUnion"]["noInvitation"].is_object());
    // Viewer mini profile.
    let viewer = doc.profile("sam-carter");
    assert_eq!(
        viewer["$recipeTypes"],
        json!(["com.linkedin.voyager.dash.deco.relationships.ProfileWithIweWarned"])
    );
    // Every star-URN of the target profile resolves.
    for key in [
        "*industry",
        "*profilePositionGroups",
        "*profileEducations",
        "*memberRelationship",
    ] {
        assert!(doc.resolve(&p, key).is_object(), "{key}");
    }
}

#[tokio::test]
async fn pending_relationship_has_an_invitation_entity() {
    let mut c = signed_in().await;
    c.post_json(
        "/__sim/ui/invite",
        json!({"handle": "ben-okafor", "note": "Hello"}),
    )
    .await;
    let doc = voyager_doc(&mut c, "ben-okafor").await;
    let p = doc.profile("ben-okafor");
    let union = doc.relationship_union(&p);
    assert_eq!(union["noConnection"]["memberDistance"], "DISTANCE_3");
    let inv = doc.resolve(&union["noConnection"]["invitationUnion"], "*invitation");
    assert_eq!(inv["invitationState"], "PENDING");
    assert_eq!(inv["invitationType"], "SENT");
    assert_eq!(inv["message"], "Hello");
    let id = c.state.with(|w| w.snapshot().invitations[0].invitation_id);
    assert_eq!(
        inv["entityUrn"],
        format!("urn:li:fsd_invitation:{id}").as_str()
    );
}

#[tokio::test]
async fn connected_relationship_realistic_and_legacy() {
    let mut c = signed_in().await;
    let doc = voyager_doc(&mut c, "finn-murphy").await;
    let p = doc.profile("finn-murphy");
    let union = doc.relationship_union(&p);
    let conn = union["*connection"].as_str().unwrap_or("");
    assert!(conn.starts_with("urn:li:fsd_connection:"), "{union}");
    assert!(doc.urns.contains_key(conn));
    assert!(union.get("connectedMember").is_none());

    let mut s = small();
    s.legacy_connected_key = true;
    let mut c = Client::new(s);
    c.login().await;
    let doc = voyager_doc(&mut c, "finn-murphy").await;
    let union = doc.relationship_union(&doc.profile("finn-murphy"));
    assert_eq!(union, json!({"connectedMember": {}}));
}

#[tokio::test]
async fn me_is_the_viewer_with_self_relationship() {
    let mut c = signed_in().await;
    let doc = voyager_doc(&mut c, "me").await;
    let first = doc.value["data"]["*elements"][0]
        .as_str()
        .unwrap_or("")
        .to_string();
    let entity = doc.urns.get(&first).cloned().unwrap_or(Value::Null);
    assert_eq!(entity["publicIdentifier"], "sam-carter");
    assert_eq!(entity["firstName"], "Sam");
    assert_eq!(entity["location"]["countryCode"], "de");
    assert_eq!(doc.relationship_union(&entity), json!({"self": {}}));
    let profiles = doc.value["included"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["$type"] == "com.linkedin.voyager.dash.identity.profile.Profile")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(profiles, 1, "no separate mini profile for the viewer");
    let by_handle = voyager_doc(&mut c, "sam-carter").await;
    assert_eq!(
        by_handle.profile("sam-carter")["entityUrn"],
        entity["entityUrn"]
    );
}

#[tokio::test]
async fn public_identifier_is_the_requested_handle() {
    let mut c = signed_in().await;
    let doc = voyager_doc(&mut c, "leo-m-42").await;
    assert!(doc.profile("leo-m-42").is_object());
    let doc = voyager_doc(&mut c, "leo-martin").await;
    assert!(doc.profile("leo-martin").is_object());
}

#[tokio::test]
async fn lexfridman_is_the_fixture_verbatim() {
    let fixture = include_str!("../../data/voyager/linkedin_profile.json");
    let mut c = signed_in().await;
    let r = c.voyager("lexfridman").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, fixture);
    assert_eq!(
        r.content_type(),
        "application/vnd.linkedin.normalized+json+2.1; charset=UTF-8"
    );
    // Also served when the scenario has no person of that name.
    let mut c = Client::new(outlane_simulator::Scenario::generate(3, 5));
    c.login().await;
    assert_eq!(c.voyager("lexfridman").await.body, fixture);
    // Auth still applies.
    let mut anon = Client::new(small());
    assert_eq!(anon.voyager("lexfridman").await.status, 401);
}

#[tokio::test]
async fn voyager_status_and_text_faults() {
    let mut c = signed_in().await;
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::VoyagerStatus { status: 999 }, 1)));
    assert_eq!(c.voyager("ana-ribeiro").await.status, 999);
    assert_eq!(c.voyager("ana-ribeiro").await.status, 200);
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::VoyagerStatus { status: 429 }, 3)));
    for _ in 0..3 {
        assert_eq!(c.voyager("ana-ribeiro").await.status, 429);
    }
    assert_eq!(c.voyager("ana-ribeiro").await.status, 200);
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::VoyagerNotJson, 1)));
    let r = c.voyager("ana-ribeiro").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.body).is_err());
    assert!(r.body.contains("<!DOCTYPE html>"));
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::VoyagerCsrfText, 1)));
    let r = c.voyager("ana-ribeiro").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body, "CSRF check failed.");
    // Restricted to a handle.
    c.state.with(|w| {
        w.add_fault(
            Fault::always(FaultKind::VoyagerStatus { status: 500 }).for_handles(&["ben-okafor"]),
        )
    });
    assert_eq!(c.voyager("ana-ribeiro").await.status, 200);
    assert_eq!(c.voyager("ben-okafor").await.status, 500);
    assert_eq!(c.voyager("ben-okafor").await.status, 500);
}

#[tokio::test]
async fn voyager_slow_fault() {
    let mut c = signed_in().await;
    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::VoyagerSlow { ms: 300 }, 1)));
    let t = std::time::Instant::now();
    assert_eq!(c.voyager("me").await.status, 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn structural_faults() {
    let mut c = signed_in().await;
    c.state.with(|w| {
        w.add_fault(Fault::times(FaultKind::VoyagerLocationNull, 1));
        w.add_fault(Fault::times(FaultKind::VoyagerEmptyElements, 1));
    });
    let doc = voyager_doc(&mut c, "ana-ribeiro").await;
    let p = doc.profile("ana-ribeiro");
    assert!(p.get("location").is_some_and(Value::is_null));
    assert_eq!(doc.value["data"]["*elements"], json!([]));

    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::VoyagerDanglingUrns, 1)));
    let doc = voyager_doc(&mut c, "ana-ribeiro").await;
    let p = doc.profile("ana-ribeiro");
    assert!(doc.resolve(&p, "*industry").is_null());
    assert!(doc.resolve(&p["geoLocation"], "*geo").is_null());
    assert_eq!(
        doc.positions(&p).len(),
        1,
        "first group dangling, companies dangling"
    );
    assert_eq!(
        doc.positions(&p)[0].1,
        "Ledgerly",
        "falls back to companyName"
    );

    c.state
        .with(|w| w.add_fault(Fault::times(FaultKind::VoyagerMiniProfilesFirst, 1)));
    let doc = voyager_doc(&mut c, "ana-ribeiro").await;
    let included = doc.value["included"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let target_index = included
        .iter()
        .position(|e| e["publicIdentifier"] == "ana-ribeiro");
    let first_profile = included
        .iter()
        .position(|e| e["$type"] == "com.linkedin.voyager.dash.identity.profile.Profile");
    assert!(first_profile < target_index, "mini profiles come first");
    assert_ne!(included[0]["publicIdentifier"], "ana-ribeiro");

    let doc = voyager_doc(&mut c, "ana-ribeiro").await;
    assert!(
        doc.profile("ana-ribeiro")["location"].is_object(),
        "faults fired once"
    );
}

#[tokio::test]
async fn voyager_requests_are_logged_with_headers() {
    let mut c = signed_in().await;
    c.state.with(|w| w.clear_requests());
    c.voyager("ana-ribeiro").await;
    let log = c.state.with(|w| w.requests());
    assert_eq!(log.len(), 1);
    let r = &log[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/voyager/api/identity/dash/profiles");
    assert!(r.query.contains(
        "decorationId=com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"
    ));
    assert!(r.query.contains("memberIdentity=ana-ribeiro"));
    assert_eq!(r.csrf_token.as_deref(), Some(c.csrf().as_str()));
    assert_eq!(
        r.accept.as_deref(),
        Some("application/vnd.linkedin.normalized+json+2.1")
    );
    assert_eq!(r.x_restli_protocol_version.as_deref(), Some("2.0.0"));
    assert_eq!(r.x_li_lang.as_deref(), Some("en_US"));
    assert!(r.user_agent.as_deref().unwrap_or("").contains("Chrome"));
    assert!(r.cookies.contains(&"li_at".to_string()));
    assert!(r.cookies.contains(&"JSESSIONID".to_string()));
    assert_eq!(r.status, Some(200));
    assert!(r.at_ms > 0);
}

#[tokio::test]
async fn generated_people_parse_end_to_end() {
    let mut c = Client::new(outlane_simulator::Scenario::generate(11, 40));
    c.login().await;
    let people = c.state.with(|w| w.scenario().people.clone());
    for p in people.iter().filter(|p| !p.restricted) {
        let doc = voyager_doc(&mut c, &p.handle).await;
        let profile = doc.profile(&p.handle);
        assert_eq!(profile["firstName"], p.first.as_str());
        let positions = doc.positions(&profile);
        assert_eq!(positions.len(), p.positions.len(), "{}", p.handle);
        for ((title, company, _), want) in positions.iter().zip(&p.positions) {
            assert_eq!(title, &want.title);
            assert_eq!(company, &want.company_name);
        }
        let eds = doc.resolve(&doc.resolve(&profile, "*profileEducations"), "*elements");
        assert_eq!(eds.as_array().map(Vec::len), Some(p.educations.len()));
    }
}
