//! The language model (needs the `llm` grant), through prompts addressed by name (templates in
//! the host's `prompts/`; the host holds the endpoint and the key).
//!
//! Lanes never handle JSON text: variables are any `Serialize` value, and a structured reply
//! is any type that derives `Deserialize` and [`JsonSchema`] (from which the schema the model
//! must follow is made; the host validates the reply against it and asks once more):
//!
//! ```text
//! #[derive(serde::Deserialize, JsonSchema)]
//! struct Verdict { qualified: bool, reason: String }
//!
//! let verdict: Verdict = llm::complete_json("qualify_lead", &json!({ "profile_text": text }))?;
//! ```

use crate::__wit::outlane::lanes::llm as wit;
use crate::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use crate::__wit::outlane::lanes::llm::{Reply, Usage};
pub use schemars::JsonSchema;

/// The variables as the JSON object the host renders a template with.
fn vars_json(vars: &impl Serialize) -> Result<String> {
    match serde_json::to_value(vars) {
        Ok(v @ Value::Object(_)) => Ok(v.to_string()),
        Ok(_) => Err(Error::invalid(
            "prompt variables must serialise to a JSON object (a struct or a map)",
        )),
        Err(e) => Err(Error::invalid(format!(
            "cannot serialise the prompt variables: {e}"
        ))),
    }
}

/// Renders prompt `prompt` with `vars` and asks the model for text.
pub fn complete(prompt: &str, vars: &impl Serialize) -> Result<Reply> {
    wit::complete(prompt, &vars_json(vars)?, None)
}

/// Renders prompt `prompt` with `vars` and asks the model for a `T`: the schema comes from
/// `T`, the host checks the reply against it (one repair), and the reply is read into `T`.
/// `rate-limited` when the campaign's LLM budget is spent.
pub fn complete_json<T: DeserializeOwned + JsonSchema>(
    prompt: &str,
    vars: &impl Serialize,
) -> Result<T> {
    let schema = schema_of::<T>().to_string();
    let reply = wit::complete(prompt, &vars_json(vars)?, Some(&schema))?;
    serde_json::from_str(&reply.text).map_err(|e| {
        Error::invalid(format!(
            "the model's reply passed the schema but does not read as the lane's type: {e}"
        ))
    })
}

/// Renders prompt `prompt` with `vars` without asking the model (plain templates).
pub fn render(prompt: &str, vars: &impl Serialize) -> Result<String> {
    wit::render(prompt, &vars_json(vars)?)
}

/// The JSON schema of `T`, as structured-output APIs take it: no `$schema`, `title` or
/// `format` keywords (the subset the host checks is in `docs/lane-authoring.md`).
pub fn schema_of<T: JsonSchema>() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    strip(&mut schema);
    schema
}

fn strip(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["$schema", "title", "format"] {
                map.remove(key);
            }
            for child in map.values_mut() {
                strip(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Verdict {
        qualified: bool,
        reason: String,
        keywords: Vec<String>,
        pages: u32,
    }

    #[test]
    fn schemas_come_from_the_type() {
        let schema = schema_of::<Verdict>();
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["properties"]["qualified"]["type"], "boolean");
        assert_eq!(schema["properties"]["keywords"]["items"]["type"], "string");
        assert_eq!(schema["properties"]["pages"]["type"], "integer");
        assert!(schema.get("$schema").is_none() && schema.get("title").is_none());
        assert!(schema["properties"]["pages"].get("format").is_none());
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(required, vec!["qualified", "reason", "keywords", "pages"]);
    }

    #[test]
    fn variables_must_be_an_object() {
        assert!(vars_json(&serde_json::json!({"a": 1})).is_ok());
        assert!(vars_json(&[1, 2]).is_err());
    }
}
