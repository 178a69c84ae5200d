//! `outlane:lanes/crm`: the CRM for lanes, scoped to the campaign the call runs for. Every
//! call is one database transaction; all rules (stage transitions, limits, the journal) live
//! in [`crate::crm`], this module only converts types.

use super::Answer;
use crate::browser::outward::Permit;
use crate::crm::campaigns::{self, Campaign as CampaignRow};
use crate::crm::conversations::{self, SyncedMessage};
use crate::crm::journal::{self, Outcome};
use crate::crm::limits::{self, Until};
use crate::crm::pipeline::{self, DealLead};
use crate::crm::sequence;
use crate::crm::{self as store, CrmError, CrmResult, holds, keywords, leads};
use crate::runtime::bindings::outlane::lanes::crm::{
    Action, ActionResult, Campaign, DueStep, ExhaustedUntil, Host, Lead, LeadHold, OpenIntent,
    Reply, ReplyClass, SequenceStep, StageChange, StoredThread, ThreadMessage, ThreadSaved,
};
use crate::runtime::bindings::{LaneError, LimitHit, Stage};
use crate::runtime::grants::Capability;
use crate::runtime::state::LaneState;
use outlane_linkedin::ProfileId;

/// Most leads returned by one listing call.
const MAX_LIST: u32 = 1000;

impl LaneState {
    /// Checks the grant, then runs `f` in one transaction with the call's campaign.
    async fn crm<T, F>(&mut self, f: F) -> Answer<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>, &CampaignRow, &str, u64) -> CrmResult<T>
            + Send
            + 'static,
    {
        if let Err(denied) = self.require(Capability::CRM) {
            return Ok(Err(denied));
        }
        let services = &self.env.services;
        let now = services.clock.now_ms();
        let lane = self.env.name.clone();
        let campaign = self.campaign;
        let result = services
            .db
            .write(move |tx| {
                let campaign = campaigns::of_call(tx, campaign)?;
                f(tx, &campaign, &lane, now)
            })
            .await;
        Ok(result.map_err(|e| lane_error(&self.env.name, e)))
    }
}

fn lane_error(lane: &str, error: CrmError) -> LaneError {
    match error {
        CrmError::NotFound(m) => LaneError::NotFound(m),
        CrmError::Invalid(m) => LaneError::Invalid(m),
        CrmError::Denied(m) => LaneError::Denied(m),
        CrmError::RateLimited { reason, until_ms } => {
            LaneError::RateLimited(LimitHit { reason, until_ms })
        }
        CrmError::Sqlite(e) if store::is_constraint_violation(&e) => {
            LaneError::Invalid("the change conflicts with data already stored".into())
        }
        other => {
            tracing::warn!(lane, "crm call failed: {other}");
            LaneError::Internal(other.to_string())
        }
    }
}

/// Both directions between a WIT enum and the CRM's, from one list of variants.
macro_rules! enum_conversions {
    ($into:ident, $out:ident, $wit:ty, $store:ty, [$($v:ident),+ $(,)?]) => {
        fn $into(value: $wit) -> $store {
            match value {
                $(<$wit>::$v => <$store>::$v,)+
            }
        }
        fn $out(value: $store) -> $wit {
            match value {
                $(<$store>::$v => <$wit>::$v,)+
            }
        }
    };
}

enum_conversions!(
    stage_in,
    stage_out,
    Stage,
    store::Stage,
    [
        Discovered,
        Enriched,
        Qualified,
        Disqualified,
        Pending,
        Connected,
        Completed,
        Failed,
        Ignored,
        Replied
    ]
);
fn class_in(class: ReplyClass) -> conversations::ReplyClass {
    use conversations::ReplyClass as C;
    match class {
        ReplyClass::Interested => C::Interested,
        ReplyClass::NotInterested => C::NotInterested,
        ReplyClass::OutOfOffice => C::OutOfOffice,
        ReplyClass::AsksToStop => C::AsksToStop,
        ReplyClass::Other => C::Other,
    }
}
enum_conversions!(
    action_in,
    action_out,
    Action,
    store::Action,
    [Invite, Message, Withdraw]
);

/// `deal` as a lane sees it at `now`: with its hold, if one lasts, and its tags.
fn lead_out(conn: &rusqlite::Connection, now: u64, deal: DealLead) -> CrmResult<Lead> {
    let hold = holds::active(conn, deal.deal_id, now)?.map(|h| LeadHold {
        until_ms: h.until_ms,
        by: h.by,
        reason: h.reason,
    });
    let tags = holds::tags_of(conn, deal.deal_id)?;
    Ok(Lead {
        id: deal.lead.id,
        public_id: deal.lead.key().to_string(),
        url: deal.lead.url,
        stage: stage_out(deal.stage),
        full_name: deal.lead.full_name,
        headline: deal.lead.headline,
        profile_json: deal.lead.profile_json,
        reason: deal.reason,
        stage_changed_ms: deal.stage_changed_ms,
        next_check_ms: deal.next_check_ms,
        backoff_hours: deal.backoff_hours,
        steps_sent: deal.steps_sent,
        hold,
        tags,
    })
}

/// Every deal of `deals` as a lane sees it at `now`.
fn leads_out(conn: &rusqlite::Connection, now: u64, deals: Vec<DealLead>) -> CrmResult<Vec<Lead>> {
    deals.into_iter().map(|d| lead_out(conn, now, d)).collect()
}

fn step_out(step: sequence::Step) -> SequenceStep {
    SequenceStep {
        position: step.position,
        delay_ms: step.delay_ms,
        template: step.template,
    }
}

/// Most messages one `save-thread` call may carry.
const MAX_THREAD: usize = 5000;

impl Host for LaneState {
    async fn current_campaign(&mut self) -> Answer<Campaign> {
        self.crm(|_, c, _, _| {
            Ok(Campaign {
                id: c.id,
                name: c.name.clone(),
                product_docs: c.product_docs.clone(),
                objective: c.objective.clone(),
                follow_up_template: c.follow_up_template.clone(),
                booking_link: c.booking_link.clone(),
                settings_json: c.settings_json.clone(),
            })
        })
        .await
    }

    async fn leads(&mut self, stage: Stage, limit: u32) -> Answer<Vec<Lead>> {
        self.crm(move |tx, c, _, now| {
            let found = pipeline::in_stage(tx, c.id, stage_in(stage), limit.min(MAX_LIST))?;
            leads_out(tx, now, found)
        })
        .await
    }

    async fn leads_after(&mut self, stage: Stage, after: u64, limit: u32) -> Answer<Vec<Lead>> {
        self.crm(move |tx, c, _, now| {
            let found =
                pipeline::in_stage_after(tx, c.id, stage_in(stage), after, limit.min(MAX_LIST))?;
            leads_out(tx, now, found)
        })
        .await
    }

    async fn hold(&mut self, id: u64, until_ms: u64, reason: String) -> Answer<()> {
        self.crm(move |tx, c, lane, now| holds::hold(tx, c.id, id, lane, until_ms, &reason, now))
            .await
    }

    async fn release(&mut self, id: u64) -> Answer<bool> {
        self.crm(move |tx, c, lane, _| holds::release(tx, c.id, id, lane))
            .await
    }

    async fn tag(&mut self, id: u64, tag: String) -> Answer<bool> {
        self.crm(move |tx, c, lane, now| holds::tag(tx, c.id, id, &tag, lane, now))
            .await
    }

    async fn untag(&mut self, id: u64, tag: String) -> Answer<bool> {
        self.crm(move |tx, c, _, _| holds::untag(tx, c.id, id, &tag))
            .await
    }

    async fn tagged(&mut self, tag: String, after: u64, limit: u32) -> Answer<Vec<Lead>> {
        self.crm(move |tx, c, _, now| {
            let found = holds::tagged(tx, c.id, &tag, after, limit.min(MAX_LIST))?;
            leads_out(tx, now, found)
        })
        .await
    }

    async fn changes(&mut self, cursor: u64, limit: u32) -> Answer<Vec<StageChange>> {
        self.crm(move |tx, c, _, _| {
            let found = pipeline::changes_after(tx, c.id, cursor, limit.min(MAX_LIST))?;
            Ok(found
                .into_iter()
                .map(|f| StageChange {
                    id: f.id,
                    lead: f.lead,
                    from_stage: f.change.from.map(stage_out),
                    to_stage: stage_out(f.change.to),
                    actor: f.change.actor,
                    reason: f.change.reason,
                    at_ms: f.change.at_ms,
                })
                .collect())
        })
        .await
    }

    async fn count(&mut self, stage: Stage) -> Answer<u32> {
        self.crm(move |tx, c, _, _| {
            let n = pipeline::count(tx, c.id, stage_in(stage))?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
        .await
    }

    async fn get_lead(&mut self, id: u64) -> Answer<Lead> {
        self.crm(move |tx, c, _, now| lead_out(tx, now, pipeline::get(tx, c.id, id)?))
            .await
    }

    async fn lead_by_url(&mut self, url: String) -> Answer<Option<Lead>> {
        self.crm(move |tx, c, _, now| {
            let profile =
                ProfileId::parse(&url).map_err(|e| CrmError::Invalid(format!("{url}: {e}")))?;
            let Some(lead) = leads::find(tx, &profile)? else {
                return Ok(None);
            };
            match pipeline::get(tx, c.id, lead) {
                Ok(deal) => Ok(Some(lead_out(tx, now, deal)?)),
                Err(CrmError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }

    async fn discover(&mut self, urls: Vec<String>) -> Answer<u32> {
        self.crm(move |tx, c, lane, now| {
            let report = pipeline::discover(tx, c.id, &urls, &[], lane, now)?;
            for (url, why) in &report.rejected {
                tracing::debug!(lane, "not a profile URL, skipped: {url}: {why}");
            }
            Ok(report.new)
        })
        .await
    }

    async fn save_profile(
        &mut self,
        id: u64,
        profile_json: String,
        raw_json: Option<String>,
    ) -> Answer<()> {
        self.crm(move |tx, c, lane, now| {
            pipeline::get(tx, c.id, id)?;
            leads::save_profile(
                tx,
                id,
                &profile_json,
                raw_json.as_deref(),
                Some(c.id),
                lane,
                now,
            )
        })
        .await
    }

    async fn set_stage(&mut self, id: u64, stage: Stage, reason: String) -> Answer<()> {
        if matches!(stage, Stage::Replied) {
            return Ok(Err(LaneError::Invalid(
                "`replied` is set by the host when a message from the person is stored \
                 (crm::save-thread), not by a lane"
                    .into(),
            )));
        }
        self.crm(move |tx, c, lane, now| {
            pipeline::set_stage(tx, c.id, id, stage_in(stage), &reason, lane, now).map(|_| ())
        })
        .await
    }

    async fn due_pending(&mut self, limit: u32) -> Answer<Vec<Lead>> {
        self.crm(move |tx, c, _, now| {
            let due = pipeline::due_pending(tx, c.id, now, limit.min(MAX_LIST))?;
            leads_out(tx, now, due)
        })
        .await
    }

    async fn over_pending(&mut self, limit: u32) -> Answer<Vec<Lead>> {
        self.crm(move |tx, c, _, now| {
            let over = crate::crm::guards::over_pending(tx, c.id, limit.min(MAX_LIST))?;
            leads_out(tx, now, over)
        })
        .await
    }

    async fn set_backoff(&mut self, id: u64, hours: u32) -> Answer<()> {
        self.crm(move |tx, c, _, now| pipeline::set_backoff(tx, c.id, id, hours, now))
            .await
    }

    async fn take_keyword(&mut self) -> Answer<Option<String>> {
        self.crm(|tx, c, _, now| keywords::take(tx, c.id, now))
            .await
    }

    async fn add_keywords(&mut self, words: Vec<String>) -> Answer<u32> {
        self.crm(move |tx, c, _, now| keywords::add(tx, c.id, &words, now))
            .await
    }

    async fn used_keywords(&mut self) -> Answer<Vec<String>> {
        self.crm(|tx, c, _, _| keywords::used(tx, c.id)).await
    }

    async fn mark_exhausted(
        &mut self,
        action: Action,
        until: ExhaustedUntil,
        reason: String,
    ) -> Answer<u64> {
        let until = match until {
            ExhaustedUntil::EndOfDay => Until::EndOfDay,
            ExhaustedUntil::EndOfWeek => Until::EndOfWeek,
            ExhaustedUntil::At(ms) => Until::At(ms),
        };
        self.crm(move |tx, c, lane, now| {
            let end =
                limits::mark_exhausted(tx, c.account_id, action_in(action), until, &reason, now)?;
            tracing::warn!(
                lane,
                "LinkedIn limit: {} blocked until {end} ms: {reason}",
                action_in(action)
            );
            Ok(end)
        })
        .await
    }

    async fn begin_action(&mut self, id: u64, action: Action, detail: String) -> Answer<u64> {
        if action_in(action) == crate::crm::Action::Invite {
            // The acceptance guard first, in a transaction of its own: a pause it decides on
            // is kept even though the invitation is then refused.
            let reviewed = self
                .crm(|tx, c, _, now| crate::crm::guards::review(tx, c.account_id, now))
                .await?;
            if let Ok(Some(why)) = reviewed {
                tracing::warn!(lane = self.env.name.as_str(), "{why}");
            }
        }
        let begun = self
            .crm(move |tx, c, lane, now| {
                let intent = journal::begin(tx, c, id, action_in(action), &detail, lane, now)?;
                let lead = leads::get(tx, id)?;
                let ids: Vec<ProfileId> = [
                    lead.public_id.map(ProfileId::Vanity),
                    lead.member_id.map(ProfileId::Member),
                ]
                .into_iter()
                .flatten()
                .collect();
                Ok((intent, c.account_id, ids))
            })
            .await?;
        if matches!(begun, Err(LaneError::Denied(_))) {
            // The do-not-contact list: the host takes the lead out of every queue itself, so
            // no lane meets it again (the default lanes pick from `qualified`/`connected`).
            let swept = self
                .crm(move |tx, _, _, now| {
                    crate::crm::dnc::sweep(tx, Some(id), "do-not-contact", now)
                })
                .await?;
            if let Err(e) = swept {
                tracing::warn!(
                    lane = self.env.name.as_str(),
                    "do-not-contact sweep failed: {e:?}"
                );
            }
        }
        Ok(begun.map(|(intent, account, ids)| {
            // The one request this intent allows, for this call only (see browser::outward).
            if let Some(browsers) = self.env.services.get::<crate::browser::Browsers>() {
                browsers.guard(account).grant(Permit {
                    intent,
                    call: self.call_id,
                    action: action_in(action),
                    ids,
                    used: false,
                });
            }
            intent
        }))
    }

    async fn finish_action(&mut self, intent: u64, outcome: ActionResult) -> Answer<()> {
        let outcome = match outcome {
            ActionResult::Done(text) => Outcome::Done(text),
            ActionResult::NotDone(text) => Outcome::NotDone(text),
        };
        let finished = self
            .crm(move |tx, c, lane, now| {
                journal::finish(tx, intent, Some(c.id), &outcome, lane, now)?;
                Ok(c.account_id)
            })
            .await?;
        Ok(finished.map(|account| {
            if let Some(browsers) = self.env.services.get::<crate::browser::Browsers>() {
                browsers.guard(account).revoke_intent(intent);
            }
        }))
    }

    async fn open_intents(&mut self, action: Action) -> Answer<Vec<OpenIntent>> {
        self.crm(move |tx, c, _, now| {
            journal::open(tx, c.id, action_in(action))?
                .into_iter()
                .map(|intent| {
                    Ok(OpenIntent {
                        id: intent.id,
                        lead: lead_out(tx, now, pipeline::get(tx, c.id, intent.lead_id)?)?,
                        action: action_out(intent.action),
                        detail: intent.detail,
                        created_ms: intent.started_ms,
                        step: intent.step,
                        lane: intent.lane,
                    })
                })
                .collect()
        })
        .await
    }

    async fn sequence(&mut self) -> Answer<Vec<SequenceStep>> {
        self.crm(|tx, c, _, _| {
            Ok(sequence::steps(tx, c.id)?
                .into_iter()
                .map(step_out)
                .collect())
        })
        .await
    }

    async fn due_steps(&mut self, limit: u32) -> Answer<Vec<DueStep>> {
        self.crm(move |tx, c, _, now| {
            let due = sequence::due(tx, c.id, now, limit.min(MAX_LIST))?;
            due.into_iter()
                .map(|d| {
                    Ok(DueStep {
                        lead: lead_out(tx, now, d.deal)?,
                        step: step_out(d.step),
                        steps: d.steps,
                        due_ms: d.due_ms,
                    })
                })
                .collect()
        })
        .await
    }

    async fn save_thread(
        &mut self,
        id: u64,
        conversation_urn: String,
        last_activity_ms: u64,
        messages: Vec<ThreadMessage>,
    ) -> Answer<ThreadSaved> {
        if messages.len() > MAX_THREAD {
            return Ok(Err(LaneError::Invalid(format!(
                "{} messages in one save-thread call; at most {MAX_THREAD}",
                messages.len()
            ))));
        }
        let messages: Vec<SyncedMessage> = messages
            .into_iter()
            .map(|m| SyncedMessage {
                urn: m.urn,
                inbound: m.inbound,
                sender: m.sender,
                sent_ms: m.sent_ms,
                text: m.text,
            })
            .collect();
        self.crm(move |tx, c, lane, now| {
            // The lead must be one of this campaign's.
            pipeline::get(tx, c.id, id)?;
            let saved = conversations::save_thread(
                tx,
                c.account_id,
                id,
                &conversation_urn,
                last_activity_ms,
                &messages,
                lane,
                now,
            )?;
            if saved.new_replies > 0 {
                tracing::info!(
                    lane,
                    lead = id,
                    "{} new repl{} stored: {} deal(s) stopped",
                    saved.new_replies,
                    if saved.new_replies == 1 { "y" } else { "ies" },
                    saved.stopped_deals
                );
            }
            Ok(ThreadSaved {
                new_messages: saved.new_messages,
                new_replies: saved.new_replies,
                stopped_deals: saved.stopped_deals,
            })
        })
        .await
    }

    async fn thread(&mut self, id: u64) -> Answer<StoredThread> {
        self.crm(move |tx, c, _, _| {
            pipeline::get(tx, c.id, id)?;
            Ok(StoredThread {
                conversation_urn: conversations::conversation_of(tx, c.account_id, id)?,
                messages: conversations::of_lead(tx, id)?
                    .into_iter()
                    .filter(|m| m.account_id == c.account_id)
                    .map(|m| ThreadMessage {
                        urn: m.urn,
                        inbound: m.inbound,
                        sender: m.sender,
                        sent_ms: m.sent_ms,
                        text: m.text,
                    })
                    .collect(),
            })
        })
        .await
    }

    async fn unclassified_replies(&mut self, limit: u32) -> Answer<Vec<Reply>> {
        self.crm(move |tx, c, _, now| {
            conversations::unclassified(tx, c.id, limit.min(MAX_LIST))?
                .into_iter()
                .map(|m| {
                    Ok(Reply {
                        id: m.id,
                        lead: lead_out(tx, now, pipeline::get(tx, c.id, m.lead_id)?)?,
                        text: m.text,
                        sent_ms: m.sent_ms,
                    })
                })
                .collect()
        })
        .await
    }

    async fn classify_reply(&mut self, id: u64, class: ReplyClass, reason: String) -> Answer<()> {
        self.crm(move |tx, c, lane, now| {
            conversations::classify(tx, c.id, id, class_in(class), &reason, lane, now)
        })
        .await
    }
}
