//! The scheduler's choice: which (lane, campaign) runs next, and the schedules kept in step
//! with the targets of the moment.

use super::schedule::{Schedule, ScheduleKey};
use super::targets::{Scheduled, Slot, Target};
use crate::crm::schedules::StoredSchedule;
use crate::manifest::LaneKind;
use std::collections::{HashMap, HashSet};

/// Adds schedules for new targets (restored from the database when it has one, else due
/// now), drops vanished ones, and applies interval changes.
pub(super) fn sync_schedules<L: Scheduled>(
    schedules: &mut HashMap<ScheduleKey, Schedule>,
    stored: &mut HashMap<ScheduleKey, StoredSchedule>,
    targets: &[Target<L>],
    now: u64,
) {
    schedules.retain(|key, _| targets.iter().any(|t| &t.key == key));
    for target in targets {
        let every = target.every();
        let schedule = schedules.entry(target.key.clone()).or_insert_with(|| {
            match stored.remove(&target.key) {
                Some(saved) => Schedule::restored(&saved, every),
                None => Schedule::new(now, every),
            }
        });
        schedule.set_every(every, now);
    }
}

/// The target to call now among those whose slot is not `busy`: the earliest due major lane,
/// else the due filler with the lowest priority number (earliest due among equals). Outside
/// working hours nothing is due.
pub(super) fn pick<L: Scheduled>(
    targets: &[Target<L>],
    schedules: &HashMap<ScheduleKey, Schedule>,
    now: u64,
    busy: &HashSet<Slot>,
) -> Option<Target<L>> {
    let due = |kind: LaneKind| {
        targets
            .iter()
            .filter(move |t| t.kind() == kind && !busy.contains(&t.slot()))
            .filter_map(|t| {
                schedules
                    .get(&t.key)
                    .map(|s| (t, t.runnable_at(s.next_due_ms, now)))
            })
            .filter(|(_, at)| *at <= now)
    };
    if let Some((t, _)) = due(LaneKind::Major).min_by_key(|(t, at)| (*at, &t.key)) {
        return Some(t.clone());
    }
    due(LaneKind::Filler)
        .min_by_key(|(t, at)| (t.priority(), *at, &t.key))
        .map(|(t, _)| t.clone())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::daemon::hours::WorkingHours;
    use crate::daemon::targets::{CampaignView, WorkableCampaign, targets};
    use crate::manifest::{LaneSpec, Manifest};
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Duration;

    /// Manifest entries `(name, kind, priority, grants)`, as the scheduler sees loaded lanes.
    pub(in crate::daemon) fn lanes(
        entries: &[(&str, &str, u32, &str)],
    ) -> BTreeMap<String, Arc<LaneSpec>> {
        let text: String = entries
            .iter()
            .map(|(name, kind, priority, grants)| {
                format!(
                    "[[lane]]\nname = \"{name}\"\ncomponent = \"/x/{name}.wasm\"\nkind = \"{kind}\"\n\
                     every = \"60s\"\npriority = {priority}\ngrants = [{grants}]\n\n"
                )
            })
            .collect();
        let manifest = Manifest::parse(Path::new("/x/lanes.toml"), &text).expect("manifest");
        manifest
            .lanes
            .into_iter()
            .map(|spec| (spec.name.clone(), Arc::new(spec)))
            .collect()
    }

    /// One workable campaign with no working hours (always open).
    fn one_campaign() -> CampaignView {
        CampaignView {
            workable: vec![WorkableCampaign {
                id: 7,
                name: "c".into(),
                account: 1,
                hours: None,
            }],
            any: true,
            paused: vec![],
        }
    }

    fn key(lane: &str, campaign: Option<u64>) -> ScheduleKey {
        ScheduleKey {
            lane: lane.into(),
            campaign,
        }
    }

    /// Schedules for `targets` with the given due times (ms).
    fn due(
        targets: &[Target<Arc<LaneSpec>>],
        at: &[(&str, u64)],
    ) -> HashMap<ScheduleKey, Schedule> {
        let mut schedules = HashMap::new();
        sync_schedules(&mut schedules, &mut HashMap::new(), targets, 0);
        for (lane, ms) in at {
            let t = targets
                .iter()
                .find(|t| t.key.lane == *lane)
                .expect("target");
            schedules.get_mut(&t.key).expect("schedule").next_due_ms = *ms;
        }
        schedules
    }

    fn picked(
        targets: &[Target<Arc<LaneSpec>>],
        s: &HashMap<ScheduleKey, Schedule>,
        now: u64,
    ) -> Option<String> {
        pick(targets, s, now, &HashSet::new()).map(|t| t.key.lane)
    }

    #[test]
    fn a_due_major_goes_before_any_filler() {
        let set = lanes(&[
            ("connect", "major", 9, "\"crm\""),
            ("enrich", "filler", 1, "\"crm\""),
        ]);
        let t = targets(&set, &one_campaign());
        // The filler has been due for longer; the major still goes first.
        let s = due(&t, &[("connect", 1_000), ("enrich", 10)]);
        assert_eq!(picked(&t, &s, 1_000).as_deref(), Some("connect"));
        // Before the major is due, the filler fills the gap.
        assert_eq!(picked(&t, &s, 999).as_deref(), Some("enrich"));
        // Nothing due: nothing picked.
        assert_eq!(picked(&t, &s, 5), None);
    }

    #[test]
    fn majors_go_earliest_due_first_and_fillers_lowest_priority_first() {
        let set = lanes(&[
            ("a-major", "major", 1, "\"crm\""),
            ("b-major", "major", 1, "\"crm\""),
            ("enrich", "filler", 2, "\"crm\""),
            ("qualify", "filler", 1, "\"crm\""),
            ("search", "filler", 1, "\"crm\""),
        ]);
        let t = targets(&set, &one_campaign());
        let s = due(&t, &[("a-major", 50), ("b-major", 20)]);
        assert_eq!(picked(&t, &s, 100).as_deref(), Some("b-major"));
        // Among fillers the priority number decides, then the earlier due time, then the name.
        let s = due(
            &t,
            &[
                ("a-major", 500),
                ("b-major", 500),
                ("enrich", 1),
                ("qualify", 30),
                ("search", 20),
            ],
        );
        assert_eq!(picked(&t, &s, 100).as_deref(), Some("search"));
        let s = due(
            &t,
            &[
                ("a-major", 500),
                ("b-major", 500),
                ("enrich", 1),
                ("qualify", 20),
                ("search", 20),
            ],
        );
        assert_eq!(picked(&t, &s, 100).as_deref(), Some("qualify"));
    }

    #[test]
    fn a_busy_account_is_passed_over_for_the_next_account_and_lanes_without_a_campaign_run_beside_it()
     {
        let set = lanes(&[
            ("connect", "major", 1, "\"crm\""),
            ("enrich", "filler", 1, "\"crm\""),
            ("clock", "filler", 2, ""),
        ]);
        let view = CampaignView {
            workable: (1..=3)
                .map(|id| WorkableCampaign {
                    id,
                    name: format!("c{id}"),
                    // Campaigns 1 and 2 share account 10; campaign 3 is account 20's.
                    account: if id == 3 { 20 } else { 10 },
                    hours: None,
                })
                .collect(),
            any: true,
            paused: vec![],
        };
        let t = targets(&set, &view);
        let mut s = HashMap::new();
        sync_schedules(&mut s, &mut HashMap::new(), &t, 0);
        let pick_with = |busy: &[Slot]| {
            let busy: HashSet<Slot> = busy.iter().cloned().collect();
            pick(&t, &s, 100, &busy).map(|t| (t.key.lane.clone(), t.key.campaign, t.slot()))
        };
        assert_eq!(
            pick_with(&[]),
            Some(("connect".into(), Some(1), Slot::Account(10)))
        );
        // Account 10 is in a call: both its campaigns wait, account 20 goes.
        assert_eq!(
            pick_with(&[Slot::Account(10)]),
            Some(("connect".into(), Some(3), Slot::Account(20)))
        );
        // Both accounts busy: the lane that works for no campaign still runs.
        assert_eq!(
            pick_with(&[Slot::Account(10), Slot::Account(20)]),
            Some(("clock".into(), None, Slot::Lane("clock".into())))
        );
        assert_eq!(
            pick_with(&[
                Slot::Account(10),
                Slot::Account(20),
                Slot::Lane("clock".into())
            ]),
            None
        );
    }

    #[test]
    fn outside_working_hours_nothing_of_that_account_is_due() {
        let set = lanes(&[
            ("connect", "major", 1, "\"crm\""),
            ("clock", "filler", 1, ""),
        ]);
        // Open 09:00–10:00 UTC on Mondays only; 2026-11-23 is a Monday.
        let hours = WorkingHours::new(jiff::tz::TimeZone::UTC, 9 * 60, 10 * 60, "1").unwrap();
        let view = CampaignView {
            workable: vec![WorkableCampaign {
                id: 7,
                name: "c".into(),
                account: 1,
                hours: Some(hours),
            }],
            any: true,
            paused: vec![],
        };
        let t = targets(&set, &view);
        let monday_0830: u64 = 1_795_422_600_000; // 2026-11-23T08:30:00Z
        let monday_0900 = monday_0830 + 30 * 60_000;
        let s = due(&t, &[("connect", 0), ("clock", monday_0830)]);
        // The campaign's lane waits for its hours; a lane without a campaign runs any time.
        assert_eq!(picked(&t, &s, monday_0830).as_deref(), Some("clock"));
        let s = due(&t, &[("connect", 0), ("clock", monday_0900 + 1)]);
        assert_eq!(picked(&t, &s, monday_0830), None);
        let connect = t.iter().find(|t| t.key.lane == "connect").unwrap();
        assert_eq!(connect.runnable_at(0, monday_0830), monday_0900);
        assert_eq!(picked(&t, &s, monday_0900).as_deref(), Some("connect"));
    }

    #[test]
    fn schedules_follow_the_targets_and_a_restart_keeps_the_pace() {
        let set = lanes(&[
            ("connect", "major", 1, "\"crm\""),
            ("enrich", "filler", 1, "\"crm\""),
        ]);
        let t = targets(&set, &one_campaign());
        let mut stored = HashMap::from([(
            key("connect", Some(7)),
            StoredSchedule {
                lane: "connect".into(),
                campaign: Some(7),
                next_due_ms: 9_000,
                last_run_ms: Some(1_000),
                failures: 2,
                idle_runs: 0,
            },
        )]);
        let mut schedules = HashMap::new();
        sync_schedules(&mut schedules, &mut stored, &t, 5_000);
        // Restored from the database, not due now; the new lane is due at once.
        assert_eq!(schedules[&key("connect", Some(7))].next_due_ms, 9_000);
        assert_eq!(schedules[&key("connect", Some(7))].failures, 2);
        assert_eq!(schedules[&key("enrich", Some(7))].next_due_ms, 5_000);
        assert!(stored.is_empty(), "a stored schedule is used once");
        // A lane that is gone loses its schedule.
        let fewer = targets(
            &lanes(&[("enrich", "filler", 1, "\"crm\"")]),
            &one_campaign(),
        );
        sync_schedules(&mut schedules, &mut stored, &fewer, 6_000);
        assert_eq!(schedules.len(), 1);
        assert!(schedules.contains_key(&key("enrich", Some(7))));
        assert_eq!(
            schedules[&key("enrich", Some(7))].every,
            Duration::from_secs(60)
        );
    }
}
