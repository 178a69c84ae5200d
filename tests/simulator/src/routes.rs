//! The axum router: LinkedIn-shaped routes (§7.3), the page guard (session, checkpoint and
//! page faults), the internal `/__sim/ui/*` endpoints used by page scripts, the Voyager route
//! and request logging. The control API lives in [`crate::control`].
//!
//! `lexfridman`: the Voyager route serves the real fixture verbatim when the scenario has a
//! person `lexfridman` with `fixture: true`, or has no person `lexfridman` at all (any other
//! person with `fixture: true` gets the fixture too). Auth, CSRF, parameter checks and
//! Voyager faults apply as for every other identity.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request};
use axum::http::header::{CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::FaultKind;
use crate::pages::{self, PageCtx};
use crate::scenario::{Person, UnauthRedirect};
use crate::state::{
    Channel, CheckpointKind, InviteOutcome, Relationship, RelationshipState, RequestRecord,
    Session, SimState, World,
};
use crate::voyager::{self, VoyagerOptions, VoyagerTarget};

/// The account a request is for, as an extractor: the one `x-sim-account: <n>` names (the
/// control API), else the one that issued the `li_at` cookie, else the one whose checkpoint
/// the challenge path names, else the first. With one account, always that one.
pub struct Sim(pub SimState);

impl axum::extract::FromRequestParts<SimState> for Sim {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &SimState,
    ) -> Result<Sim, Self::Rejection> {
        Ok(Sim(account_of(state, &parts.headers, parts.uri.path())))
    }
}

/// See [`Sim`].
pub(crate) fn account_of(sim: &SimState, headers: &HeaderMap, path: &str) -> SimState {
    if sim.accounts() == 1 {
        return sim.clone();
    }
    if let Some(named) = header(headers, "x-sim-account")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .and_then(|k| sim.account(k))
    {
        return named;
    }
    if let Some(token) = cookie(headers, "li_at")
        && let Some(owner) = sim.find(|w| w.issued_session(&token))
    {
        return owner;
    }
    if let Some(token) = path.strip_prefix("/checkpoint/challenge/")
        && let Some(owner) = sim.find(|w| w.checkpoint().is_some_and(|c| c.token == token))
    {
        return owner;
    }
    sim.clone()
}

/// Builds the whole application router for `sim`.
pub fn router(sim: SimState) -> Router {
    let pages = Router::new()
        .route("/feed/", get(feed))
        .route("/in/{*rest}", get(profile))
        .route("/search/results/people/", get(search))
        .route("/messaging", get(messaging))
        .route("/messaging/", get(messaging))
        .route("/messaging/{*rest}", get(messaging))
        .route_layer(from_fn_with_state(sim.clone(), page_guard));
    let ui = Router::new()
        .route("/__sim/ui/invite", post(ui_invite))
        .route("/__sim/ui/message", post(ui_message))
        .route("/__sim/ui/withdraw", post(ui_withdraw))
        .route("/__sim/ui/typeahead", get(ui_typeahead))
        .route_layer(from_fn_with_state(sim.clone(), ui_guard));
    Router::new()
        .route("/", get(|| async { redirect("/feed/") }))
        .route("/feed", get(|| async { redirect("/feed/") }))
        .route("/login", get(login_page))
        .route("/authwall", get(authwall))
        .route("/checkpoint/lg/login-submit", post(login_submit))
        .route(
            "/checkpoint/challenge/{token}",
            get(challenge_page).post(challenge_submit),
        )
        .route("/404/", get(not_found))
        .route("/voyager/api/identity/dash/profiles", get(voyager_profiles))
        .route(
            crate::messaging_api::PATH,
            get(crate::messaging_api::graphql),
        )
        .merge(pages)
        .merge(ui)
        .merge(crate::control::router())
        .fallback(not_found)
        .layer(from_fn_with_state(sim.clone(), log_requests))
        .with_state(sim)
}

// ---- small helpers ----------------------------------------------------------------------

/// A 302 to `location`.
pub fn redirect(location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/feed/"));
    let mut resp = StatusCode::FOUND.into_response();
    resp.headers_mut().insert(LOCATION, value);
    resp
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A JSON response.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

pub(crate) fn voyager_json(status: StatusCode, body: String) -> Response {
    (status, [(CONTENT_TYPE, voyager::CONTENT_TYPE)], body).into_response()
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookies(headers)
        .into_iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(crate) fn session(world: &World, headers: &HeaderMap) -> Option<Session> {
    let token = cookie(headers, "li_at")?;
    world.session(&token).cloned()
}

fn absolute_url(headers: &HeaderMap, uri: &Uri) -> String {
    let host = header(headers, HOST.as_str()).unwrap_or_else(|| "127.0.0.1".to_string());
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    format!("http://{host}{path}")
}

/// The decoded `<id>` of an `/in/<id>/…` path.
pub fn profile_segment(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/in/")?;
    let segment = rest.split('/').next().unwrap_or("");
    if segment.is_empty() {
        return None;
    }
    Some(percent_decode_str(segment).decode_utf8_lossy().into_owned())
}

/// The path (and query) of an absolute or relative redirect target; `None` if unusable.
fn local_target(target: &str) -> Option<String> {
    let rest = match target.split_once("://") {
        Some((_, after)) => &after[after.find('/')?..],
        None => target,
    };
    (rest.starts_with('/') && !rest.starts_with("//")).then(|| rest.to_string())
}

fn page_ctx(world: &World) -> PageCtx {
    PageCtx::new(
        &world.scenario().viewer.profile,
        world.scenario().absolute_links,
    )
}

fn session_cookies(resp: &mut Response, session: &Session, ttl_s: u64, world: &mut World) {
    let bcookie = format!(
        "bcookie=\"v=2&{}-{}-{}\"; Path=/; Max-Age=31536000",
        world.digits(8),
        world.digits(4),
        world.digits(12)
    );
    let lidc = format!(
        "lidc=\"b=VB{}:s=V:r=V:a=V:p=V:g={}:u=1:x=1:i={}:t={}:v=2:sig=AQ{}\"; Path=/; Max-Age=86400",
        world.digits(2),
        world.digits(4),
        world.now() / 1000,
        world.now() / 1000 + 86400,
        world.digits(12)
    );
    let values = [
        format!("li_at={}; Path=/; Max-Age={ttl_s}; HttpOnly", session.li_at),
        format!(
            "JSESSIONID=\"{}\"; Path=/; Max-Age={ttl_s}",
            session.jsessionid
        ),
        bcookie,
        lidc,
    ];
    for v in values {
        if let Ok(hv) = HeaderValue::from_str(&v) {
            resp.headers_mut().append(SET_COOKIE, hv);
        }
    }
}

// ---- request log ------------------------------------------------------------------------

async fn log_requests(Sim(sim): Sim, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/__sim/") && !path.starts_with("/__sim/ui/") {
        return next.run(req).await;
    }
    let headers = req.headers();
    let record = RequestRecord {
        id: 0,
        method: req.method().to_string(),
        path,
        query: req.uri().query().unwrap_or("").to_string(),
        csrf_token: header(headers, "csrf-token"),
        accept: header(headers, "accept"),
        x_restli_protocol_version: header(headers, "x-restli-protocol-version"),
        x_li_lang: header(headers, "x-li-lang"),
        referer: header(headers, "referer"),
        user_agent: header(headers, "user-agent"),
        cookies: cookies(headers).into_iter().map(|(n, _)| n).collect(),
        at_ms: 0,
        status: None,
    };
    let id = sim.with(|w| w.log_request(record));
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    sim.with(|w| w.set_request_status(id, status));
    resp
}

// ---- page guard -------------------------------------------------------------------------

enum Guard {
    Pass,
    Respond(Response),
}

async fn page_guard(Sim(sim): Sim, req: Request, next: Next) -> Response {
    let handle = profile_segment(req.uri().path());
    let slow = sim.with(|w| w.take_fault(handle.as_deref(), "slow_page"));
    if let Some(FaultKind::SlowPage { ms }) = slow {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let target = absolute_url(req.headers(), req.uri());
    let local = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let guard = sim.with(|w| {
        if session(w, req.headers()).is_none() {
            let enc = pages::encode_component(&target);
            return Guard::Respond(match w.scenario().unauth_redirect {
                UnauthRedirect::SessionRedirect => {
                    redirect(&format!("/login?session_redirect={enc}"))
                }
                UnauthRedirect::Authwall => redirect(&format!(
                    "/authwall?trk=bf&trkInfo=bf&sessionRedirect={enc}"
                )),
                UnauthRedirect::Bare => redirect("/login"),
            });
        }
        if let Some(token) = w.blocking_checkpoint() {
            return Guard::Respond(redirect(&format!("/checkpoint/challenge/{token}")));
        }
        if w.take_fault(handle.as_deref(), "checkpoint_mid_session")
            .is_some()
        {
            let token = w.raise_checkpoint(CheckpointKind::MidSession { redirect: local }, None);
            return Guard::Respond(redirect(&format!("/checkpoint/challenge/{token}")));
        }
        if w.take_fault(handle.as_deref(), "rate_limit_page").is_some() {
            return Guard::Respond(html(
                StatusCode::TOO_MANY_REQUESTS,
                pages::misc::rate_limited(),
            ));
        }
        Guard::Pass
    });
    match guard {
        Guard::Respond(resp) => resp,
        Guard::Pass => next.run(req).await,
    }
}

// ---- login and checkpoint ---------------------------------------------------------------

async fn login_page(Sim(sim): Sim, headers: HeaderMap, uri: Uri) -> Response {
    let params = query_map(&uri);
    if sim.with(|w| session(w, &headers).is_some()) {
        let target = params
            .get("session_redirect")
            .and_then(|t| local_target(t))
            .unwrap_or_else(|| "/feed/".into());
        return redirect(&target);
    }
    html(
        StatusCode::OK,
        pages::login::render(
            params.contains_key("error"),
            params.get("session_redirect").map(String::as_str),
        ),
    )
}

async fn authwall(uri: Uri) -> Response {
    let params = query_map(&uri);
    html(
        StatusCode::OK,
        pages::misc::authwall(params.get("sessionRedirect").map(String::as_str)),
    )
}

async fn login_submit(Sim(sim): Sim, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let username = form
        .get("session_key")
        .or_else(|| form.get("username"))
        .cloned()
        .unwrap_or_default();
    let password = form
        .get("session_password")
        .or_else(|| form.get("password"))
        .cloned()
        .unwrap_or_default();
    let session_redirect = form.get("session_redirect").cloned();
    // The account whose member logs in.
    let sim = sim
        .find(|w| {
            w.scenario()
                .viewer
                .email
                .trim()
                .eq_ignore_ascii_case(username.trim())
        })
        .unwrap_or(sim);
    sim.with(|w| {
        if !w.check_credentials(&username, &password) {
            let mut location = "/login?error=1".to_string();
            if let Some(r) = &session_redirect {
                location.push_str("&session_redirect=");
                location.push_str(&pages::encode_component(r));
            }
            return redirect(&location);
        }
        let target = session_redirect
            .as_deref()
            .and_then(local_target)
            .unwrap_or_else(|| "/feed/".into());
        if let Some(FaultKind::CheckpointOnLogin { auto_solve_ms }) =
            w.take_fault(None, "checkpoint_on_login")
        {
            let token =
                w.raise_checkpoint(CheckpointKind::Login { redirect: target }, auto_solve_ms);
            return redirect(&format!("/checkpoint/challenge/{token}"));
        }
        let session = w.create_session();
        let mut resp = redirect(&target);
        let ttl = w.scenario().session_ttl_s;
        session_cookies(&mut resp, &session, ttl, w);
        resp
    })
}

fn finish_checkpoint(w: &mut World, token: &str, headers: &HeaderMap) -> Option<Response> {
    let cp = w.take_solved_checkpoint(token)?;
    Some(match cp.kind {
        CheckpointKind::Login { redirect: target } => {
            let session = w.create_session();
            let mut resp = redirect(&target);
            let ttl = w.scenario().session_ttl_s;
            session_cookies(&mut resp, &session, ttl, w);
            resp
        }
        CheckpointKind::MidSession { redirect: target } => {
            if session(w, headers).is_some() {
                redirect(&target)
            } else {
                redirect("/login")
            }
        }
    })
}

async fn challenge_page(Sim(sim): Sim, Path(token): Path<String>, headers: HeaderMap) -> Response {
    sim.with(|w| {
        if let Some(resp) = finish_checkpoint(w, &token, &headers) {
            return resp;
        }
        match w.checkpoint() {
            Some(cp) if cp.token == token => {
                html(StatusCode::OK, pages::checkpoint::render(&token, false))
            }
            _ if session(w, &headers).is_some() => redirect("/feed/"),
            _ => redirect("/login"),
        }
    })
}

async fn challenge_submit(
    Sim(sim): Sim,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let pin = form
        .get("pin")
        .map(|p| p.trim().to_string())
        .unwrap_or_default();
    sim.with(|w| {
        w.count_pin_submit();
        let is_current = w.checkpoint().is_some_and(|cp| cp.token == token);
        if is_current && pin == w.scenario().checkpoint_pin {
            w.solve_checkpoint();
        }
        if let Some(resp) = finish_checkpoint(w, &token, &headers) {
            return resp;
        }
        if is_current {
            html(StatusCode::OK, pages::checkpoint::render(&token, true))
        } else {
            redirect("/login")
        }
    })
}

// ---- pages ------------------------------------------------------------------------------

async fn not_found() -> Response {
    html(StatusCode::NOT_FOUND, pages::misc::not_found())
}

async fn feed(Sim(sim): Sim) -> Response {
    sim.with(|w| {
        let ctx = page_ctx(w);
        let authors: Vec<&Person> = w
            .scenario()
            .people
            .iter()
            .filter(|p| p.exists)
            .take(w.scenario().feed_authors)
            .collect();
        html(
            StatusCode::OK,
            pages::feed::render(&ctx, &w.scenario().viewer.profile, &authors),
        )
    })
}

fn also_viewed<'a>(w: &'a World, person: &Person) -> Vec<&'a Person> {
    let viewer = &w.scenario().viewer.profile.handle;
    let candidates: Vec<&Person> = w
        .scenario()
        .people
        .iter()
        .filter(|p| p.exists && p.handle != person.handle && &p.handle != viewer)
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let h = crate::scenario::fnv1a(person.handle.as_bytes());
    let k = (3 + (h % 4) as usize).min(candidates.len());
    let start = ((h >> 8) % candidates.len() as u64) as usize;
    (0..k)
        .map(|i| candidates[(start + i) % candidates.len()])
        .collect()
}

async fn profile(Sim(sim): Sim, uri: Uri) -> Response {
    let Some(id) = profile_segment(uri.path()) else {
        return redirect("/404/");
    };
    sim.with(|w| {
        let viewer = w.scenario().viewer.profile.clone();
        if id == "me" {
            return redirect(&format!("/in/{}/", pages::encode_component(&viewer.handle)));
        }
        let is_self = id == viewer.handle;
        let person = if is_self {
            viewer.clone()
        } else {
            match w.person(&id) {
                Some(p) => p.clone(),
                None => return redirect("/404/"),
            }
        };
        if !is_self && person.canonical() != id {
            return redirect(&format!(
                "/in/{}/",
                pages::encode_component(person.canonical())
            ));
        }
        let relationship = if is_self {
            RelationshipState::None
        } else {
            w.relationship(&person.handle).state()
        };
        if !is_self {
            w.record_profile_view(&person.handle);
        }
        let handle = Some(person.handle.as_str());
        let mut faults = pages::profile::ProfileFaults {
            missing_top_card: w.take_fault(handle, "missing_top_card").is_some(),
            ..Default::default()
        };
        if !is_self {
            let connectable = !person.restricted
                && matches!(
                    relationship,
                    RelationshipState::None
                        | RelationshipState::Withdrawn
                        | RelationshipState::Declined
                )
                && person.ui_variant != crate::scenario::UiVariant::NoConnect;
            if connectable {
                faults.error_toast = w.take_fault(handle, "error_toast").is_some();
                faults.limit_instead_of_modal =
                    w.take_fault(handle, "limit_instead_of_modal").is_some();
            }
            if relationship == RelationshipState::Connected {
                if let Some(FaultKind::ReplyOnProfileView { text }) =
                    w.take_fault(handle, "reply_on_profile_view")
                {
                    w.receive(
                        &person.handle,
                        &text,
                        Some(crate::scenario::ReplyKind::Interested),
                    );
                }
                faults.no_message_popup = w.take_fault(handle, "no_message_popup").is_some();
                faults.popup_not_editable = w.take_fault(handle, "popup_not_editable").is_some();
            }
        }
        let ember = w.next_ember();
        let ctx = page_ctx(w);
        let view = pages::profile::ProfileView {
            ctx: &ctx,
            person: &person,
            relationship,
            is_self,
            also_viewed: also_viewed(w, &person),
            ember,
            faults,
            send_now_button: w.scenario().send_now_button,
            enter_sends: w.scenario().enter_sends,
            thread: if is_self {
                Vec::new()
            } else {
                w.thread(&person.handle)
            },
        };
        html(StatusCode::OK, pages::profile::render(&view))
    })
}

async fn search(Sim(sim): Sim, uri: Uri) -> Response {
    let params = query_map(&uri);
    let q = pages::search::SearchQuery {
        keywords: params.get("keywords").cloned().unwrap_or_default(),
        origin: params
            .get("origin")
            .cloned()
            .unwrap_or_else(|| "GLOBAL_SEARCH_HEADER".into()),
        page: params
            .get("page")
            .and_then(|p| p.trim().parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1),
    };
    sim.with(|w| {
        let ctx = page_ctx(w);
        let matches = w.search(&q.keywords);
        html(
            StatusCode::OK,
            pages::search::render(&ctx, &q, &matches, w.scenario().search_duplicate_links),
        )
    })
}

async fn messaging(Sim(sim): Sim, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let thread_handle = path
        .strip_prefix("/messaging/thread/")
        .and_then(|rest| rest.split('/').next())
        .filter(|h| !h.is_empty() && *h != "new")
        .map(|h| percent_decode_str(h).decode_utf8_lossy().into_owned());
    sim.with(|w| {
        let ctx = page_ctx(w);
        let enter_sends = w.scenario().enter_sends;
        if let Some(h) = thread_handle
            && let Some(person) = w.person(&h).cloned()
        {
            let entries = w.thread(&person.handle);
            let view = pages::messaging::MessagingView::Thread {
                person: &person,
                entries,
            };
            return html(
                StatusCode::OK,
                pages::messaging::render(&ctx, &view, enter_sends),
            );
        }
        let typeahead_off = w.take_fault(None, "missing_typeahead").is_some();
        let view = pages::messaging::MessagingView::Compose { typeahead_off };
        html(
            StatusCode::OK,
            pages::messaging::render(&ctx, &view, enter_sends),
        )
    })
}

// ---- internal UI endpoints --------------------------------------------------------------

async fn ui_guard(Sim(sim): Sim, req: Request, next: Next) -> Response {
    let verdict = sim.with(|w| {
        let Some(s) = session(w, req.headers()) else {
            return Some(StatusCode::UNAUTHORIZED);
        };
        let csrf = header(req.headers(), "csrf-token").unwrap_or_default();
        (req.method() != Method::GET && csrf != s.jsessionid).then_some(StatusCode::FORBIDDEN)
    });
    match verdict {
        None => next.run(req).await,
        Some(StatusCode::UNAUTHORIZED) => {
            json_response(StatusCode::UNAUTHORIZED, &json!({"status": 401}))
        }
        Some(status) => json_response(
            status,
            &json!({"status": status.as_u16(), "error": "CSRF check failed."}),
        ),
    }
}

#[derive(Deserialize)]
struct InviteBody {
    handle: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct MessageBody {
    handle: String,
    text: String,
    channel: Channel,
}

#[derive(Deserialize)]
struct HandleBody {
    handle: String,
}

fn bad_request(e: impl std::fmt::Display) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": e.to_string() }))
}

async fn ui_invite(Sim(sim): Sim, body: Bytes) -> Response {
    let body: InviteBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request(e),
    };
    let outcome = sim.with(|w| w.invite(&body.handle, body.note, body.email));
    let value = match outcome {
        InviteOutcome::Ok { invitation_id } => {
            json!({ "ok": true, "invitation_id": invitation_id })
        }
        InviteOutcome::Limited => json!({ "limited": true }),
        InviteOutcome::Error(text) => json!({ "error": text }),
    };
    json_response(StatusCode::OK, &value)
}

async fn ui_message(Sim(sim): Sim, body: Bytes) -> Response {
    let body: MessageBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request(e),
    };
    let value = match sim.with_then_tick(|w| w.message(&body.handle, &body.text, body.channel)) {
        Ok(()) => json!({ "ok": true }),
        Err(text) => json!({ "error": text }),
    };
    json_response(StatusCode::OK, &value)
}

async fn ui_withdraw(Sim(sim): Sim, body: Bytes) -> Response {
    let body: HandleBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request(e),
    };
    let ok = sim.with(|w| w.withdraw(&body.handle));
    json_response(StatusCode::OK, &json!({ "ok": ok }))
}

async fn ui_typeahead(Sim(sim): Sim, uri: Uri) -> Response {
    let q = query_map(&uri).remove("q").unwrap_or_default();
    let results: Vec<Value> = sim.with(|w| {
        w.typeahead(&q)
            .into_iter()
            .map(|p| json!({ "handle": p.handle, "name": p.full_name(), "headline": p.headline }))
            .collect()
    });
    json_response(StatusCode::OK, &json!({ "results": results }))
}

// ---- Voyager ----------------------------------------------------------------------------

pub(crate) fn voyager_error(status: StatusCode, message: &str) -> Response {
    voyager_json(
        status,
        voyager::error_body(status.as_u16(), message).to_string(),
    )
}

async fn voyager_profiles(Sim(sim): Sim, headers: HeaderMap, uri: Uri) -> Response {
    let params = query_map(&uri);
    let identity = params.get("memberIdentity").cloned().unwrap_or_default();
    // The handle faults are matched against (`me` is the viewer).
    let fault_handle = sim.with(|w| {
        if w.is_viewer(&identity) {
            w.scenario().viewer.profile.handle.clone()
        } else {
            w.person(&identity)
                .map(|p| p.handle.clone())
                .unwrap_or_else(|| identity.clone())
        }
    });
    let slow = sim.with(|w| w.take_fault(Some(&fault_handle), "voyager_slow"));
    if let Some(FaultKind::VoyagerSlow { ms }) = slow {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    sim.with(|w| voyager_answer(w, &headers, &params, &identity, &fault_handle))
}

fn voyager_answer(
    w: &mut World,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    identity: &str,
    fault_handle: &str,
) -> Response {
    let handle = Some(fault_handle);
    let Some(session) = session(w, headers) else {
        return voyager_json(StatusCode::UNAUTHORIZED, json!({"status": 401}).to_string());
    };
    if w.take_fault(handle, "voyager_csrf_text").is_some() {
        return (
            StatusCode::FORBIDDEN,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            "CSRF check failed.",
        )
            .into_response();
    }
    let csrf = header(headers, "csrf-token").unwrap_or_default();
    if csrf != session.jsessionid {
        return voyager_error(StatusCode::FORBIDDEN, "CSRF check failed.");
    }
    if w.scenario().require_restli_header
        && header(headers, "x-restli-protocol-version").as_deref() != Some("2.0.0")
    {
        return voyager_error(StatusCode::BAD_REQUEST, "Missing x-restli-protocol-version");
    }
    if params.get("decorationId").map(String::as_str) != Some(voyager::DECORATION_ID) {
        return voyager_error(StatusCode::BAD_REQUEST, "Invalid decorationId");
    }
    if params.get("q").map(String::as_str) != Some("memberIdentity") {
        return voyager_error(StatusCode::BAD_REQUEST, "Invalid finder q");
    }
    if identity.is_empty() {
        return voyager_error(StatusCode::BAD_REQUEST, "Missing memberIdentity");
    }
    if let Some(FaultKind::VoyagerStatus { status }) = w.take_fault(handle, "voyager_status") {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return voyager_json(code, json!({ "status": code.as_u16() }).to_string());
    }
    if w.take_fault(handle, "voyager_not_json").is_some() {
        return html(StatusCode::OK, pages::login::render(false, None));
    }
    let viewer = w.scenario().viewer.profile.clone();
    let scenario_fixture = w
        .scenario()
        .people
        .iter()
        .find(|p| p.handle == voyager::FIXTURE_HANDLE)
        .map(|p| p.fixture);
    let person = if w.is_viewer(identity) {
        None
    } else {
        match w.person(identity) {
            Some(p) => Some(p.clone()),
            None if identity == voyager::FIXTURE_HANDLE && scenario_fixture.is_none() => {
                return voyager_json(StatusCode::OK, voyager::FIXTURE.to_string());
            }
            None => return voyager_error(StatusCode::NOT_FOUND, "Profile not found"),
        }
    };
    if let Some(p) = &person {
        if p.restricted {
            return voyager_error(StatusCode::FORBIDDEN, "This profile is not available");
        }
        if p.fixture {
            return voyager_json(StatusCode::OK, voyager::FIXTURE.to_string());
        }
    }
    let opts = VoyagerOptions {
        legacy_connected_key: w.scenario().legacy_connected_key,
        location_null: w.take_fault(handle, "voyager_location_null").is_some(),
        empty_elements: w.take_fault(handle, "voyager_empty_elements").is_some(),
        dangling_urns: w.take_fault(handle, "voyager_dangling_urns").is_some(),
        mini_profiles_first: w
            .take_fault(handle, "voyager_mini_profiles_first")
            .is_some(),
    };
    let relationship: Option<Relationship> = person.as_ref().map(|p| w.relationship(&p.handle));
    let target_person = person.as_ref().unwrap_or(&viewer);
    let others: Vec<&Person> = w
        .scenario()
        .people
        .iter()
        .filter(|p| p.exists && p.handle != target_person.handle)
        .take(3)
        .collect();
    let public_identifier = if person.is_none() {
        viewer.handle.as_str()
    } else {
        identity
    };
    let target = VoyagerTarget {
        person: target_person,
        public_identifier,
        relationship: relationship.as_ref(),
        viewer: &viewer,
        others,
    };
    voyager_json(
        StatusCode::OK,
        voyager::profile_document(&target, opts).to_string(),
    )
}

/// An empty body (used by control handlers).
pub fn empty(status: StatusCode) -> Response {
    (status, Body::empty()).into_response()
}
