//! The text a profile is embedded from (and shown to the qualifying LLM).

use crate::voyager::{Profile, UNKNOWN_TITLE};

/// The text a profile is embedded from: name-independent, stable order.
///
/// One line per fact, labelled, in this order: `Headline:`, `Location:`, `Industry:`,
/// `Summary:`, one `Experience: <title> at <company> (<location>): <description>` per
/// position and one `Education: <degree>, <field>, <school>` per education, in the profile's
/// order. Missing parts are left out (a line with nothing in it is dropped) and runs of
/// white space, line breaks included, become one space. Names and the URL are left out:
/// they say nothing about fit and would make two similar people look different.
pub fn profile_text(p: &Profile) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut labelled = |label: &str, value: Option<&str>| {
        if let Some(value) = value.map(squash).filter(|v| !v.is_empty()) {
            lines.push(format!("{label}: {value}"));
        }
    };
    labelled("Headline", p.headline.as_deref());
    labelled("Location", p.location_name.as_deref());
    labelled("Industry", p.industry.as_deref());
    labelled("Summary", p.summary.as_deref());
    for position in &p.positions {
        let title = Some(position.title.as_str()).filter(|t| *t != UNKNOWN_TITLE);
        let mut line = match (clean(title), clean(position.company_name.as_deref())) {
            (Some(title), Some(company)) => format!("{title} at {company}"),
            (Some(only), None) | (None, Some(only)) => only,
            (None, None) => String::new(),
        };
        if let Some(location) = clean(position.location.as_deref()) {
            line = join(&line, " ", &format!("({location})"));
        }
        if let Some(description) = clean(position.description.as_deref()) {
            line = if line.is_empty() {
                description
            } else {
                format!("{line}: {description}")
            };
        }
        labelled("Experience", Some(&line));
    }
    for education in &p.educations {
        let parts: Vec<String> = [
            education.degree_name.as_deref(),
            education.field_of_study.as_deref(),
            education.school_name.as_deref(),
        ]
        .into_iter()
        .filter_map(clean)
        .collect();
        labelled("Education", Some(&parts.join(", ")));
    }
    lines.join("\n")
}

/// Collapses every run of white space to one space and trims the ends.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A part with its white space squashed; None if nothing is left.
fn clean(text: Option<&str>) -> Option<String> {
    text.map(squash).filter(|t| !t.is_empty())
}

/// `left` and `right` joined by `sep`, or `right` alone if `left` is empty.
fn join(left: &str, sep: &str, right: &str) -> String {
    if left.is_empty() {
        right.to_string()
    } else {
        format!("{left}{sep}{right}")
    }
}
