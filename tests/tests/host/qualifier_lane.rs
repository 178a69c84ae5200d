//! The qualifier capability end to end: a real WASM lane, the real ONNX embedding model,
//! the GP learner and real SQLite. Leads are simulated people whose headlines decide a hidden
//! rule; the lane labels some of them and the model must rank the rest better than chance.

use outlane::crm::learning;
use outlane::crm::{Stage, leads, pipeline};
use outlane::runtime::CallOutcome;
use outlane_simulator::Scenario;
use outlane_tests::host::{TestHost, account_with_campaign, lane_entry};
use serde_json::{Value, json};

const WORDS: [&str; 3] = ["sales", "revenue", "account"];

fn profile_json(p: &outlane_simulator::Person) -> Value {
    json!({
        "url": profile_url(p),
        "urn": null, "member_urn": null,
        "public_identifier": p.handle,
        "first_name": p.first, "last_name": p.last,
        "full_name": format!("{} {}", p.first, p.last),
        "headline": p.headline, "summary": p.summary,
        "location_name": p.location, "country_code": p.country_code,
        "industry": p.industry.as_ref().map(|i| i.name.clone()),
        "positions": p.positions.iter().map(|x| json!({
            "title": x.title, "company_name": x.company_name, "company_urn": null,
            "location": null, "start": null, "end": null, "description": x.description})).collect::<Vec<_>>(),
        "educations": [],
        "connection_distance": "DISTANCE_2", "connection_degree": 2, "invitation_pending": false,
    })
}

fn profile_url(p: &outlane_simulator::Person) -> String {
    format!("https://www.linkedin.com/in/{}/", p.handle)
}

/// Discovers `people` for `campaign` and stores their profiles; their lead ids, in order.
fn store_profiles(
    tx: &rusqlite::Connection,
    campaign: u64,
    people: &[outlane_simulator::Person],
) -> outlane::crm::CrmResult<Vec<u64>> {
    let urls: Vec<String> = people.iter().map(profile_url).collect();
    pipeline::discover(tx, campaign, &urls, &[], "test", 1)?;
    let mut ids = Vec::new();
    for p in people {
        let id = leads::find(
            tx,
            &outlane_linkedin::ProfileId::parse(&profile_url(p)).unwrap(),
        )?
        .unwrap();
        leads::save_profile(tx, id, &profile_json(p).to_string(), None, None, "test", 2)?;
        ids.push(id);
    }
    Ok(ids)
}

/// The repository's model files (`make models`).
fn model_paths() -> outlane::config::QualifierConfig {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    outlane::config::QualifierConfig {
        models: root.join("models/minilm"),
        ort_library: root.join("vendor/ort/libonnxruntime.so.1.31.1"),
        ..Default::default()
    }
}

/// A qualifier service on a new database (kept alive by the returned directory).
fn service_on_new_db() -> (
    tempfile::TempDir,
    outlane::crm::Db,
    outlane::qualifier::QualifierService,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = outlane::crm::Db::open(&dir.path().join("outlane.db")).unwrap();
    let service = outlane::qualifier::QualifierService::new(
        &model_paths(),
        db.clone(),
        outlane::clock::Clock::real(),
    );
    (dir, db, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_labels_predicts_and_ranks_with_real_embeddings() {
    let extra = format!(
        "grants = [\"crm\", \"qualifier\"]\n[lane.limits]\ncpu = \"20s\"\n[lane.config]\nlabel_first = 24\nqualified_words = {:?}",
        WORDS
    );
    let host =
        TestHost::with_qualifier(&lane_entry("q", "{guest:fixture-qualifier-user}", &extra)).await;
    let (_, campaign) = account_with_campaign(&host.db, "me@example.com", "pw");
    let people = Scenario::generate(3, 60).people;
    host.db
        .write_blocking(move |tx| store_profiles(tx, campaign, &people))
        .unwrap();
    host.registry.reload().await;
    let summary = match host.call("q").await {
        CallOutcome::Worked(s) => s,
        other => panic!("{other}"),
    };
    let s: Value = serde_json::from_str(&summary).unwrap();
    // Before any label: cold start, arrival order.
    assert_eq!(s["cold_strategy"], "cold-start");
    assert_eq!(s["cold_first"], s["first_id"]);
    // Labels and embeddings are stored.
    let stored = host
        .db
        .read_outside_tx_blocking(move |c| learning::labelled(c, campaign, "minilm+title"))
        .unwrap();
    assert_eq!(stored.len(), 24);
    assert!(
        stored.iter().all(|(_, v, _)| v.len() == 2 * 384),
        "profile and title halves"
    );
    let positives = stored.iter().filter(|(_, _, l)| *l).count();
    assert!(
        positives > 0 && positives < 24,
        "both classes among the labels: {positives}"
    );
    // A prediction with sane numbers, and a choice that explains itself.
    let p = &s["prediction"];
    let prob = p["p"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&prob)
            && p["entropy"].as_f64().unwrap() <= std::f64::consts::LN_2 + 1e-9
    );
    assert!(
        !s["choice"]["reason"].as_str().unwrap().is_empty(),
        "{}",
        s["choice"]
    );
    // The ranking of the unlabelled leads puts the hidden rule's positives first, better than chance.
    let truth: std::collections::HashMap<u64, bool> = s["truth"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t[0].as_u64().unwrap(), t[1].as_bool().unwrap()))
        .collect();
    let ranked: Vec<u64> = s["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_u64().unwrap())
        .collect();
    let total_pos = ranked.iter().filter(|id| truth[*id]).count();
    assert!(
        total_pos >= 3,
        "the test data has positives to find: {total_pos}"
    );
    let top = &ranked[..total_pos];
    let hits = top.iter().filter(|id| truth[*id]).count();
    let base_rate = total_pos as f64 / ranked.len() as f64;
    let precision = hits as f64 / total_pos as f64;
    eprintln!("precision at R {precision:.2}, base rate {base_rate:.2} ({hits}/{total_pos})");
    assert!(
        precision >= (2.0 * base_rate).min(0.6),
        "precision at R {precision:.2} vs base rate {base_rate:.2} ({hits}/{total_pos})"
    );
    let deals = host
        .db
        .read_outside_tx_blocking(move |c| pipeline::in_stage(c, campaign, Stage::Enriched, 100))
        .unwrap();
    assert_eq!(deals.len(), 60, "the qualifier changes no stage by itself");
}

/// The daemon holds the embedding model only while leads need embedding: it is loaded on
/// demand, kept while in use, released once idle, and loaded again with the same vectors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedding_model_is_released_when_idle_and_reloaded_on_demand() {
    use outlane::qualifier::lazy_embedder::LazyEmbedder;
    use std::time::Duration;
    let paths = model_paths();
    let idle = Duration::from_millis(400);
    let lazy = LazyEmbedder::new(outlane::qualifier::embed_config(&paths), idle);
    assert!(!lazy.is_loaded());
    let text = "Head of Sales at Acme, Berlin";

    let held = lazy.get().await.expect("load the model");
    assert_eq!(lazy.loads(), 1);
    let first = held.embed(&[text]).unwrap().remove(0);
    // A caller still holding the model keeps it loaded past the idle time.
    tokio::time::sleep(idle * 3).await;
    assert!(lazy.is_loaded(), "released while a caller held it");
    drop(held);
    // Idle and unheld: released.
    let deadline = std::time::Instant::now() + idle * 10;
    while lazy.is_loaded() {
        assert!(
            std::time::Instant::now() < deadline,
            "the idle model was never released"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The next use loads it again, with the same vectors.
    let again = lazy.get().await.expect("reload the model");
    assert_eq!(lazy.loads(), 2);
    let second = again.embed(&[text]).unwrap().remove(0);
    assert_eq!(first, second);
    // Uses within the idle time keep the same model.
    drop(again);
    for _ in 0..3 {
        tokio::time::sleep(idle / 4).await;
        lazy.get().await.expect("loaded model");
    }
    assert_eq!(lazy.loads(), 2);
}

/// Who accepts is learned from the account's answered invitations: before enough answers
/// exist the ranking is P(qualified) alone (arrival order without labels); once 40 answers
/// say that juniors accept and executives do not, the juniors among new candidates come first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rank_learns_who_accepts_from_answered_invitations() {
    let (_dir, db, service) = service_on_new_db();
    let (account, campaign) = account_with_campaign(&db, "me@example.com", "pw");
    let senior = |p: &outlane_simulator::Person| {
        let t = p.positions[0].title.to_lowercase();
        t.contains("chief") || t.contains("founder") || t.starts_with("vp") || t.starts_with("head")
    };
    let junior = |p: &outlane_simulator::Person| {
        let t = p.positions[0].title.to_lowercase();
        !senior(p) && !t.contains("senior") && !t.contains("manager") && !t.contains("director")
    };
    let people = Scenario::generate(11, 400).people;
    let juniors: Vec<_> = people
        .iter()
        .filter(|p| junior(p))
        .take(25)
        .cloned()
        .collect();
    let seniors: Vec<_> = people
        .iter()
        .filter(|p| senior(p))
        .take(25)
        .cloned()
        .collect();
    assert_eq!(
        (juniors.len(), seniors.len()),
        (25, 25),
        "the network has both"
    );
    // Answered: 20 of each; candidates: 5 of each, executives first in arrival order.
    let answered: Vec<(outlane_simulator::Person, bool)> = juniors[..20]
        .iter()
        .map(|p| (p.clone(), true))
        .chain(seniors[..20].iter().map(|p| (p.clone(), false)))
        .collect();
    let candidates: Vec<outlane_simulator::Person> = seniors[20..]
        .iter()
        .chain(&juniors[20..])
        .cloned()
        .collect();
    let store = |people: Vec<outlane_simulator::Person>| {
        db.write_blocking(move |tx| {
            let ids = store_profiles(tx, campaign, &people)?;
            for id in &ids {
                pipeline::set_stage(tx, campaign, *id, Stage::Qualified, "q", "test", 3)?;
            }
            Ok(ids)
        })
        .unwrap()
    };
    let candidate_ids = store(candidates.clone());
    let answered_ids = store(answered.iter().map(|(p, _)| p.clone()).collect());
    service.embeddings(campaign, &candidate_ids).await.unwrap();
    service.embeddings(campaign, &answered_ids).await.unwrap();
    // Invitations sent (journaled, done) and answered: `n` of them so far.
    let answer = |from: usize, to: usize| {
        let rows: Vec<(u64, bool)> = answered_ids[from..to]
            .iter()
            .zip(&answered[from..to])
            .map(|(id, (_, accepted))| (*id, *accepted))
            .collect();
        db.write_blocking(move |tx| {
            for (lead, accepted) in rows {
                tx.execute(
                    "INSERT INTO action_journal (account_id, campaign_id, lead_id, action, detail, lane,
                         day_key, week_key, started_ms, result, finished_ms)
                     VALUES (?1, ?2, ?3, 'invite', '', 'connect', 'd', 'w', 10, 'done', 11)",
                    rusqlite::params![account, campaign, lead],
                )?;
                pipeline::set_stage(tx, campaign, lead, Stage::Pending, "sent", "test", 11)?;
                let to = if accepted { Stage::Connected } else { Stage::Failed };
                pipeline::set_stage(tx, campaign, lead, to, "answered", "test", 12)?;
            }
            Ok(())
        })
        .unwrap()
    };
    let is_junior = |id: &u64| candidate_ids[5..].contains(id);
    // 8 answers of each kind (16 < MIN_OUTCOMES) are not enough yet: arrival order (no
    // labels, so P = 0.5 each).
    answer(0, 8);
    answer(20, 28);
    let before = service.rank(campaign, &candidate_ids).await.unwrap();
    assert_eq!(
        before.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        candidate_ids,
        "with 16 answers the ranking keeps arrival order"
    );
    answer(8, 20);
    answer(28, 40);
    let after = service.rank(campaign, &candidate_ids).await.unwrap();
    let top: Vec<u64> = after.iter().take(5).map(|(id, _)| *id).collect();
    let juniors_on_top = top.iter().filter(|id| is_junior(id)).count();
    eprintln!("after 40 answers: {after:?}");
    assert!(
        juniors_on_top >= 4,
        "the likely acceptors come first once who accepts is learned: {juniors_on_top} of 5 ({after:?})"
    );
}

/// A person overturning the model's own decision is the check the gate needs most: the
/// model's decision is stored with its prediction, and the person's label (from the CLI's
/// `leads label`, which knows no model) is checked against it, counted twice, once the
/// labels are read again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_overturning_the_model_becomes_a_check_of_its_gate() {
    use outlane::crm::browse;
    use outlane::crm::learning::LabelSource;
    let (_dir, db, service) = service_on_new_db();
    let (_, campaign) = account_with_campaign(&db, "me@example.com", "pw");
    let people = Scenario::generate(5, 30).people;
    let fits = |p: &outlane_simulator::Person| {
        let t = p.positions[0].title.to_lowercase();
        WORDS.iter().any(|w| t.contains(w))
    };
    let stored = people.clone();
    let ids = db
        .write_blocking(move |tx| store_profiles(tx, campaign, &stored))
        .unwrap();
    // The LLM labels the first 20, so the model can fit (both classes).
    for (id, p) in ids.iter().zip(&people).take(20) {
        service
            .label(campaign, *id, fits(p), "llm", LabelSource::Llm)
            .await
            .unwrap();
    }
    let before = db
        .read_outside_tx_blocking(move |c| learning::checks(c, campaign))
        .unwrap();
    assert!(
        (10..20).contains(&before.len()),
        "each LLM label after the model could fit is a check: {before:?}"
    );
    let weighted_before = first_floor_checks(&service, campaign).await;
    // The model rejects a lead on its own; the prediction is stored, but no check yet.
    let lead = ids[25];
    let predicted = service
        .predict(campaign, lead)
        .await
        .unwrap()
        .expect("fitted")
        .posterior();
    service
        .label(campaign, lead, false, "auto-rejected", LabelSource::Model)
        .await
        .unwrap();
    db.write_blocking(move |tx| {
        pipeline::set_stage(
            tx,
            campaign,
            lead,
            Stage::Disqualified,
            "model",
            "qualify",
            3,
        )
    })
    .unwrap();
    let stored_p: Option<f64> = db
        .call_blocking(move |c| {
            c.query_row(
                "SELECT predicted_p FROM labels WHERE lead_id = ?1",
                [lead],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(stored_p, Some(predicted));
    assert_eq!(
        db.read_outside_tx_blocking(move |c| learning::checks(c, campaign))
            .unwrap()
            .len(),
        before.len(),
        "the model's own decision checks nothing"
    );
    // A person overturns it from the CLI: the stage moves, and the label is a check.
    let now = outlane::clock::Clock::real().now_ms();
    let reviewed = db
        .write_blocking(move |tx| browse::label_by_person(tx, campaign, lead, true, "fits", now))
        .unwrap();
    assert_eq!(
        (reviewed.from, reviewed.to),
        (Stage::Disqualified, Stage::Qualified)
    );
    let after = db
        .read_outside_tx_blocking(move |c| learning::checks(c, campaign))
        .unwrap();
    assert_eq!(after.len(), before.len() + 1);
    let last = after.last().unwrap();
    assert_eq!((last.0, last.1, last.2), (predicted, true, true));
    // The service reads the labels again (they changed under it): its gate has the person's
    // check, counted twice, where the prediction's confidence puts it.
    let weighted_after = first_floor_checks(&service, campaign).await;
    let in_band = predicted.max(1.0 - predicted) >= outlane_gp::gate::FLOORS[0];
    assert_eq!(
        weighted_after,
        weighted_before + if in_band { 2 } else { 0 },
        "confidence {predicted}"
    );
}

/// Weighted checks at the gate's lowest floor, both classes.
async fn first_floor_checks(service: &outlane::qualifier::QualifierService, campaign: u64) -> u32 {
    let (bands, _) = service.gate_bands(campaign).await.unwrap();
    bands
        .iter()
        .filter(|b| b.floor == outlane_gp::gate::FLOORS[0])
        .map(|b| b.checks)
        .sum()
}
