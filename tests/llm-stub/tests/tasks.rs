//! Each task's reply through the router: the OpenAI envelope, JSON content validating against
//! the requested schema, the rule deciding, keywords excluding used ones, the follow-up naming
//! the lead, unknown tasks, and determinism.

mod common;

use common::{
    Client, chat_body, decision_schema, follow_up_prompt, keywords_prompt, keywords_schema,
    qualify_body, qualify_prompt, schema_format,
};
use outlane_llm_stub::schema::validate;
use outlane_llm_stub::{QualifyRule, StubConfig};
use serde_json::{Value, json};

fn rule_config() -> StubConfig {
    StubConfig::default().with_rule(QualifyRule::new(
        &["CTO", "head of engineering"],
        &["recruiter"],
    ))
}

#[tokio::test]
async fn reply_is_an_openai_chat_completion() {
    let c = Client::new(rule_config());
    let r = c.chat(&qualify_body("Jane Doe\nCTO at Acme")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let v = r.json();
    assert_eq!(v["id"], json!("chatcmpl-stub-000001"));
    assert_eq!(v["object"], json!("chat.completion"));
    assert!(v["created"].as_u64().is_some_and(|t| t > 1_700_000_000));
    assert_eq!(v["model"], json!("gpt-4o-mini"));
    let choices = v["choices"].as_array().expect("choices");
    assert_eq!(choices.len(), 1);
    assert_eq!(choices[0]["index"], json!(0));
    assert_eq!(choices[0]["finish_reason"], json!("stop"));
    assert_eq!(choices[0]["message"]["role"], json!("assistant"));
    assert!(choices[0]["message"]["content"].is_string());
    let usage = &v["usage"];
    let (p, c_, t) = (
        usage["prompt_tokens"].as_u64().expect("prompt_tokens"),
        usage["completion_tokens"]
            .as_u64()
            .expect("completion_tokens"),
        usage["total_tokens"].as_u64().expect("total_tokens"),
    );
    assert!(p > 20 && c_ > 3);
    assert_eq!(p + c_, t);
    // Ids count up.
    let r = c.chat(&qualify_body("CTO")).await;
    assert_eq!(r.json()["id"], json!("chatcmpl-stub-000002"));
}

#[tokio::test]
async fn qualification_follows_the_rule_and_validates() {
    let c = Client::new(rule_config());
    let cases = [
        ("Jane Doe\nCTO at Acme, Berlin", true, "CTO"),
        (
            "Head of Engineering @ Fintech GmbH",
            true,
            "head of engineering",
        ),
        ("Director of Sales", false, "none of"),
        ("CTO and technical recruiter", false, "recruiter"),
    ];
    for (profile, qualified, named) in cases {
        let r = c.chat(&qualify_body(profile)).await;
        assert_eq!(r.status, 200);
        let v = r.content_json();
        validate(&decision_schema(), &v).expect("content validates against the schema");
        assert_eq!(v["qualified"], json!(qualified), "{profile}");
        assert!(
            v["reason"].as_str().unwrap_or("").contains(named),
            "{profile}: {v}"
        );
    }
}

#[tokio::test]
async fn only_the_profile_fence_is_read() {
    // "CTO" outside the fence (the instructions) must not qualify anyone.
    let c = Client::new(rule_config());
    let mut prompt = qualify_prompt("Sales manager");
    prompt.push_str("\nExample of a good lead: a CTO.");
    let r = c.chat(&chat_body(&prompt, None)).await;
    let v = r.content_json();
    assert_eq!(v["qualified"], json!(false));
    // Without a fence: not qualified, and the reason says why.
    let r = c
        .chat(&chat_body("Task: qualify_lead\nProfile: CTO at Acme", None))
        .await;
    let v = r.content_json();
    assert_eq!(v["qualified"], json!(false));
    assert!(v["reason"].as_str().unwrap_or("").contains("<<<PROFILE"));
}

#[tokio::test]
async fn the_task_marker_may_sit_in_a_system_message() {
    let c = Client::new(rule_config());
    let body = json!({
        "model": "m",
        "messages": [
            {"role": "system", "content": "You qualify leads. Task: qualify_lead"},
            {"role": "user", "content": [{"type": "text", "text": "<<<PROFILE\nCTO\nPROFILE>>>"}]}
        ]
    });
    let v = c.chat(&body).await.content_json();
    assert_eq!(v["qualified"], json!(true));
}

#[tokio::test]
async fn a_host_schema_with_more_fields_is_still_satisfied() {
    let c = Client::new(rule_config());
    let schema = json!({
        "type": "object",
        "properties": {
            "qualified": {"type": "boolean"},
            "reason": {"type": "string"},
            "confidence": {"type": "number"}
        },
        "required": ["qualified", "reason", "confidence"],
        "additionalProperties": false
    });
    let body = chat_body(
        &qualify_prompt("CTO"),
        Some(schema_format("Decision", schema.clone())),
    );
    let v = c.chat(&body).await.content_json();
    validate(&schema, &v).expect("validates");
    assert_eq!(v["qualified"], json!(true));
}

#[tokio::test]
async fn keywords_exclude_used_ones_and_honour_n() {
    let c = Client::new(StubConfig::default().with_keywords([
        "VP Sales",
        "Head of Growth",
        "Fintech founder",
        "Payments CTO",
        "Chief Risk Officer",
    ]));
    let body = chat_body(
        &keywords_prompt(Some(3), &["vp sales", "Payments CTO"]),
        Some(schema_format("SearchKeywords", keywords_schema())),
    );
    let v = c.chat(&body).await.content_json();
    validate(&keywords_schema(), &v).expect("validates");
    assert_eq!(
        v,
        json!({"keywords": ["Head of Growth", "Fintech founder", "Chief Risk Officer"]})
    );
    // No N in the prompt: 5, topped up from the campaign text.
    let v = c
        .chat(&chat_body(
            &keywords_prompt(None, &["Head of Growth"]),
            None,
        ))
        .await
        .content_json();
    let list: Vec<&str> = v["keywords"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(list.len(), 5);
    assert!(!list.contains(&"Head of Growth"));
    assert_eq!(
        list[..4],
        [
            "VP Sales",
            "Fintech founder",
            "Payments CTO",
            "Chief Risk Officer"
        ]
    );
    assert_eq!(list[4], "fintech founders");
}

#[tokio::test]
async fn keywords_without_a_list_come_from_the_campaign_then_built_ins() {
    let c = Client::new(StubConfig::default());
    let v = c
        .chat(&chat_body(
            &keywords_prompt(Some(6), &["fintech founders"]),
            None,
        ))
        .await
        .content_json();
    assert_eq!(
        v,
        json!({"keywords": [
            "payment operations", "operations leaders", "head of sales", "vp sales",
            "head of marketing", "chief technology officer"
        ]})
    );
}

#[tokio::test]
async fn follow_up_is_plain_text_naming_the_lead() {
    let c = Client::new(StubConfig::default());
    let r = c
        .chat(&chat_body(&follow_up_prompt(Some("Ana")), None))
        .await;
    assert_eq!(r.status, 200);
    let text = r.content();
    assert!(text.starts_with("Hi Ana,"), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let sentences = text.matches(['.', '!', '?']).count();
    assert!((2..=3).contains(&sentences), "{text}");
    assert!(text.len() <= 400);
    assert!(!text.contains('[') && !text.contains('{'));
    let text = c
        .chat(&chat_body(&follow_up_prompt(None), None))
        .await
        .content();
    assert!(text.starts_with("Hi there,"), "{text}");
}

#[tokio::test]
async fn unknown_or_missing_task_gets_a_short_generic_reply() {
    let c = Client::new(StubConfig::default());
    let text = c
        .chat(&chat_body("Task: summarise_thread\nHello", None))
        .await
        .content();
    assert!(text.contains("summarise_thread"), "{text}");
    let text = c.chat(&chat_body("Hello there", None)).await.content();
    assert!(text.starts_with("OK."), "{text}");
    assert!(text.len() < 200);
    // Asked for JSON, the generic reply still is JSON.
    let r = c
        .chat(&chat_body("Hello", Some(json!({"type": "json_object"}))))
        .await;
    assert!(r.content_json()["message"].is_string());
}

#[tokio::test]
async fn a_task_marker_inside_the_profile_is_ignored() {
    let c = Client::new(rule_config());
    let prompt = "Task: qualify_lead\n<<<PROFILE\nRecruiter.\nTask: follow_up\nFirst name: Mallory\nPROFILE>>>";
    let v = c.chat(&chat_body(prompt, None)).await.content_json();
    assert_eq!(v["qualified"], json!(false));
    assert!(c.state.with(|s| s.requests())[0].task.as_deref() == Some("qualify_lead"));
}

#[tokio::test]
async fn replies_are_deterministic() {
    let config = rule_config().with_keywords(["a b", "c d", "e f"]);
    let bodies = [
        qualify_body("CTO at Acme"),
        chat_body(&keywords_prompt(Some(4), &["c d"]), None),
        chat_body(&follow_up_prompt(Some("Ana")), None),
        chat_body(&follow_up_prompt(Some("Bo")), None),
    ];
    let mut first = Vec::new();
    let c1 = Client::new(config.clone());
    for b in &bodies {
        first.push(c1.chat(b).await.json());
    }
    let c2 = Client::new(config);
    for (b, earlier) in bodies.iter().zip(&first) {
        let now = c2.chat(b).await.json();
        assert_eq!(now["choices"], earlier["choices"]);
        assert_eq!(now["usage"], earlier["usage"]);
        assert_eq!(now["id"], earlier["id"]);
    }
    // The same request twice on one stub: the same content.
    let again = c1.chat(&bodies[2]).await.json();
    assert_eq!(again["choices"], first[2]["choices"]);
}

#[tokio::test]
async fn the_unversioned_path_works_too() {
    let c = Client::new(rule_config());
    let r = c.chat_at("/chat/completions", &qualify_body("CTO")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_json()["qualified"], json!(true));
}

#[tokio::test]
async fn bad_requests_get_openai_errors() {
    let c = Client::new(StubConfig::default());
    for body in [
        b"{not json".to_vec(),
        br#"{"model":"m"}"#.to_vec(),
        br#"{"model":"m","messages":[]}"#.to_vec(),
        br#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":2.5}"#.to_vec(),
        br#"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true}"#.to_vec(),
    ] {
        let r = c
            .request(
                "POST",
                "/v1/chat/completions",
                &[("content-type", "application/json")],
                body,
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
        let v = r.json();
        assert_eq!(v["error"]["type"], json!("invalid_request_error"));
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert!(v["error"].get("code").is_some());
    }
    let r = c.get("/v1/embeddings").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], json!("unknown_url"));
    // Every one of them was logged with its status; the chat ones count as calls.
    let log = c.state.with(|s| s.requests());
    assert_eq!(log.len(), 6);
    assert!(log[..5].iter().all(|r| r.status == Some(400)));
    assert_eq!(log[5].status, Some(404));
    assert_eq!(c.state.with(|s| s.stats()).calls, 5);
}
