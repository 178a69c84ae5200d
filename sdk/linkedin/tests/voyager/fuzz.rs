//! Seeded random damage to the real fixture: the parser must never panic.

use crate::FIXTURE;
use outlane_linkedin::{parse_profile, parse_profile_value, profile_text};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

/// One step of a path into a JSON tree.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Keys the parser reads: damage to them is the most telling.
const READ_KEYS: [&str; 34] = [
    "data",
    "included",
    "entityUrn",
    "$type",
    "$recipeTypes",
    "publicIdentifier",
    "objectUrn",
    "firstName",
    "lastName",
    "headline",
    "summary",
    "locationName",
    "location",
    "countryCode",
    "geoLocation",
    "geoUrn",
    "defaultLocalizedName",
    "name",
    "title",
    "companyName",
    "companyUrn",
    "description",
    "dateRange",
    "start",
    "end",
    "year",
    "month",
    "schoolName",
    "degreeName",
    "fieldOfStudy",
    "memberRelationshipUnion",
    "memberRelationshipData",
    "noConnection",
    "memberDistance",
];

fn collect_paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(Step::Key(key.clone()));
                out.push(prefix.clone());
                collect_paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                out.push(prefix.clone());
                collect_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(mut value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    for step in path {
        value = match step {
            Step::Key(key) => value.as_object_mut()?.get_mut(key)?,
            Step::Index(i) => value.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(value)
}

/// Parts of entities the parser never looks into.
const UNREAD_KEYS: [&str; 6] = [
    "profilePicture",
    "logo",
    "paging",
    "employeeCountRange",
    "supportedLocales",
    "primaryLocale",
];

/// Links the parser follows.
const FOLLOWED: [&str; 9] = [
    "*profilePositionGroups",
    "*profilePositionInPositionGroup",
    "*profileEducations",
    "*elements",
    "*company",
    "*school",
    "*geo",
    "*industry",
    "*memberRelationship",
];

/// Indexes in `included` of the entities the parser reads: the profiles and what they link
/// to through [`FOLLOWED`] links, transitively.
fn read_entities(doc: &Value) -> Vec<usize> {
    let included = doc["included"].as_array().cloned().unwrap_or_default();
    let index_of = |urn: &str| included.iter().position(|e| e["entityUrn"] == urn);
    let mut todo: Vec<usize> = (0..included.len())
        .filter(|&i| included[i]["$type"] == "com.linkedin.voyager.dash.identity.profile.Profile")
        .collect();
    let mut seen = Vec::new();
    while let Some(i) = todo.pop() {
        if seen.contains(&i) {
            continue;
        }
        seen.push(i);
        let mut links = Vec::new();
        for key in FOLLOWED {
            let value = &included[i][key];
            links.extend(value.as_str().map(str::to_string));
            links.extend(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string)),
            );
        }
        let geo = &included[i]["geoLocation"]["*geo"];
        links.extend(geo.as_str().map(str::to_string));
        todo.extend(links.iter().filter_map(|urn| index_of(urn)));
    }
    seen
}

fn is_interesting(path: &[Step], read: &[usize]) -> bool {
    let in_read_entity = match path {
        [Step::Key(top), Step::Index(i), ..] if top == "included" => read.contains(i),
        _ => true,
    };
    if !in_read_entity {
        return false;
    }
    let unread = path
        .iter()
        .any(|s| matches!(s, Step::Key(k) if UNREAD_KEYS.contains(&k.as_str()) || k.starts_with("multiLocale")));
    if unread {
        return false;
    }
    match path.last() {
        Some(Step::Key(key)) => {
            key.starts_with('*') || READ_KEYS.contains(&key.as_str()) || key.contains("invitation")
        }
        _ => false,
    }
}

struct Fuzzer {
    rng: SmallRng,
    paths: Vec<Vec<Step>>,
    interesting: Vec<Vec<Step>>,
    urns: Vec<String>,
    types: Vec<String>,
}

impl Fuzzer {
    fn new(doc: &Value, seed: u64) -> Fuzzer {
        let mut paths = Vec::new();
        collect_paths(doc, &mut Vec::new(), &mut paths);
        let read = read_entities(doc);
        let interesting = paths
            .iter()
            .filter(|p| is_interesting(p, &read))
            .cloned()
            .collect();
        let entities = doc["included"].as_array().cloned().unwrap_or_default();
        let urns = entities
            .iter()
            .filter_map(|e| e["entityUrn"].as_str().map(str::to_string))
            .collect();
        let types = entities
            .iter()
            .filter_map(|e| e["$type"].as_str().map(str::to_string))
            .collect();
        Fuzzer {
            rng: SmallRng::seed_from_u64(seed),
            paths,
            interesting,
            urns,
            types,
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn urn(&mut self) -> String {
        let urns = self.urns.clone();
        self.pick(&urns).clone()
    }

    /// A value to put somewhere it does not belong.
    fn junk(&mut self) -> Value {
        match self.rng.random_range(0..14) {
            0 => Value::Null,
            1 => json!(self.rng.random_range(-3..2100)),
            2 => json!(1.5e300),
            3 => json!(i64::MIN),
            4 => json!(true),
            5 => json!(""),
            6 => json!(
                self.pick(&["x", "  ", "DISTANCE_2", "PENDING", "FullProfile", "me"])
                    .to_string()
            ),
            7 => json!([]),
            8 => json!({}),
            9 => json!(self.urn()),
            10 => json!([self.urn(), 3, null, self.urn()]),
            11 => json!("urn:li:fsd_profile:does-not-exist"),
            12 => json!({"*elements": [self.urn()], "year": 2020, "noConnection": {}}),
            _ => json!([[[{"a": [null]}]]]),
        }
    }

    fn mutate(&mut self, doc: &mut Value) {
        let path = if self.rng.random_bool(0.8) {
            let interesting = std::mem::take(&mut self.interesting);
            let path = self.pick(&interesting).clone();
            self.interesting = interesting;
            path
        } else {
            let paths = std::mem::take(&mut self.paths);
            let path = self.pick(&paths).clone();
            self.paths = paths;
            path
        };
        match self.rng.random_range(0..10) {
            // Delete the key or the list item.
            0 | 1 => {
                let (last, parent) = path.split_last().expect("paths are not empty");
                match (at_mut(doc, parent), last) {
                    (Some(Value::Object(map)), Step::Key(key)) => {
                        map.remove(key);
                    }
                    (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
                        items.remove(*i);
                    }
                    _ => {}
                }
            }
            // Replace the value with one of another type (or a wrong URN).
            2..=5 => {
                let junk = self.junk();
                if let Some(slot) = at_mut(doc, &path) {
                    *slot = junk;
                }
            }
            // Duplicate an entity (the copy wins the URN map).
            6 => {
                if let Some(Value::Array(items)) = doc.get_mut("included")
                    && !items.is_empty()
                {
                    let i = self.rng.random_range(0..items.len());
                    let mut copy = items[i].clone();
                    if let Some(map) = copy.as_object_mut()
                        && self.rng.random_bool(0.5)
                    {
                        map.retain(|k, _| k == "entityUrn" || k == "$type");
                    }
                    let at = self.rng.random_range(0..=items.len());
                    items.insert(at, copy);
                }
            }
            // Truncate `included`.
            7 => {
                if let Some(Value::Array(items)) = doc.get_mut("included") {
                    let keep = self.rng.random_range(0..=items.len());
                    items.truncate(keep);
                }
            }
            // Swap types: an entity takes another entity's `$type`.
            8 => {
                let types = self.types.clone();
                let new_type = self.pick(&types).clone();
                if let Some(Value::Array(items)) = doc.get_mut("included")
                    && !items.is_empty()
                {
                    let i = self.rng.random_range(0..items.len());
                    if let Some(map) = items[i].as_object_mut() {
                        map.insert("$type".into(), json!(new_type));
                    }
                }
            }
            // Swap two entities' places.
            _ => {
                if let Some(Value::Array(items)) = doc.get_mut("included")
                    && !items.is_empty()
                {
                    let a = self.rng.random_range(0..items.len());
                    let b = self.rng.random_range(0..items.len());
                    items.swap(a, b);
                }
            }
        }
    }

    fn public_identifier(&mut self) -> Option<&'static str> {
        *self.pick(&[
            None,
            Some("lexfridman"),
            Some("eracle"),
            Some("me"),
            Some(""),
        ])
    }
}

/// Checks a successful parse is usable downstream.
fn exercise(profile: &outlane_linkedin::Profile) {
    let json = serde_json::to_string(profile).expect("a profile serialises");
    let back: outlane_linkedin::Profile = serde_json::from_str(&json).expect("and reads back");
    assert_eq!(&back, profile);
    let _ = profile_text(profile);
}

#[test]
fn mutated_documents_never_panic() {
    let original: Value = serde_json::from_str(FIXTURE).unwrap();
    let mut fuzzer = Fuzzer::new(&original, 0x0007_1a4e);
    let (mut parsed, mut rejected, mut changed) = (0, 0, 0);
    for _ in 0..5000 {
        let mut doc = original.clone();
        for _ in 0..fuzzer.rng.random_range(1..=4) {
            fuzzer.mutate(&mut doc);
        }
        let public_identifier = fuzzer.public_identifier();
        let golden = parse_profile_value(&original, public_identifier).unwrap();
        match parse_profile_value(&doc, public_identifier) {
            Ok(profile) => {
                exercise(&profile);
                parsed += 1;
                if profile != golden {
                    changed += 1;
                }
            }
            Err(_) => rejected += 1,
        }
    }
    assert_eq!(parsed + rejected, 5000);
    // Most damage is local: the run must not be all errors, or it would test nothing.
    assert!(parsed > 2500, "only {parsed} of 5000 parsed");
    // ...nor all harmless: most parses must show the damage.
    assert!(
        changed > parsed / 4,
        "only {changed} of {parsed} parses differ from the fixture"
    );
}

#[test]
fn damaged_text_never_panics() {
    let mut rng = SmallRng::seed_from_u64(20_260_219);
    let bytes = FIXTURE.as_bytes();
    for round in 0..1500 {
        let text = if round % 3 == 0 {
            // Flip one byte to a random ASCII character (JSON punctuation included).
            let mut damaged = bytes.to_vec();
            let at = rng.random_range(0..damaged.len());
            damaged[at] = *b"{}[]\",:0n \\x"
                .get(rng.random_range(0..12))
                .unwrap_or(&b'x');
            String::from_utf8_lossy(&damaged).into_owned()
        } else {
            // Truncate at a random place.
            let mut at = rng.random_range(0..=bytes.len());
            while !FIXTURE.is_char_boundary(at) {
                at -= 1;
            }
            FIXTURE[..at].to_string()
        };
        if let Ok(profile) = parse_profile(&text, None) {
            exercise(&profile);
        }
    }
}
