//! Positions and educations: the URN chains from a profile to its experience.

use super::entities::{Entities, Entity, object, text};
use super::{Education, Position, UNKNOWN_TITLE, YearMonth};
use serde_json::Value;

/// The positions of a profile, in LinkedIn's order: profile `*profilePositionGroups` → a
/// collection of groups → each group's `*profilePositionInPositionGroup` → a collection of
/// positions. URNs missing from the response are skipped.
pub(super) fn positions(entities: &Entities<'_>, profile: Entity<'_>) -> Vec<Position> {
    entities
        .collection(profile, "*profilePositionGroups")
        .into_iter()
        .flat_map(|group| entities.collection(group, "*profilePositionInPositionGroup"))
        .map(|position| build_position(entities, position))
        .collect()
}

/// The educations of a profile: profile `*profileEducations` → a collection of educations.
pub(super) fn educations(entities: &Entities<'_>, profile: Entity<'_>) -> Vec<Education> {
    entities
        .collection(profile, "*profileEducations")
        .into_iter()
        .map(|education| {
            let (start, end) = date_range(education);
            Education {
                // The school entity's name when `*school` resolves (even if that name is
                // missing), else the name typed on the education.
                school_name: match entities.resolve(education, "*school") {
                    Some(school) => text(school, "name"),
                    None => text(education, "schoolName"),
                },
                degree_name: text(education, "degreeName"),
                field_of_study: text(education, "fieldOfStudy"),
                start,
                end,
            }
        })
        .collect()
}

fn build_position(entities: &Entities<'_>, position: Entity<'_>) -> Position {
    // The company entity wins over the name typed on the position (LinkedIn's canonical
    // "Massachusetts Institute of Technology" over "... (MIT)"), as in the reference.
    let (company_name, company_urn) = match entities.resolve(position, "*company") {
        Some(company) => (text(company, "name"), text(company, "entityUrn")),
        None => (text(position, "companyName"), text(position, "companyUrn")),
    };
    let (start, end) = date_range(position);
    Position {
        title: text(position, "title").unwrap_or_else(|| UNKNOWN_TITLE.to_string()),
        company_name,
        company_urn,
        location: text(position, "locationName"),
        start,
        end,
        description: text(position, "description"),
    }
}

/// The `dateRange` of an entity as (start, end).
fn date_range(entity: Entity<'_>) -> (Option<YearMonth>, Option<YearMonth>) {
    match object(entity, "dateRange") {
        Some(range) => (year_month(range.get("start")), year_month(range.get("end"))),
        None => (None, None),
    }
}

/// A `com.linkedin.common.Date`; None unless it has a usable year or month.
fn year_month(value: Option<&Value>) -> Option<YearMonth> {
    let date = value?.as_object()?;
    let year = date
        .get("year")
        .and_then(Value::as_i64)
        .and_then(|y| i32::try_from(y).ok());
    let month = date
        .get("month")
        .and_then(Value::as_u64)
        .filter(|m| (1..=12).contains(m))
        .and_then(|m| u8::try_from(m).ok());
    (year.is_some() || month.is_some()).then_some(YearMonth { year, month })
}
