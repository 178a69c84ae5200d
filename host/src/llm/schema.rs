//! Checking a model's structured reply against the JSON schema a lane asked for.
//!
//! The subset of JSON Schema that structured-output APIs accept: `type` (one or a list),
//! `properties`, `required`, `additionalProperties: false`, `items`, `enum`, `minItems`,
//! `maxItems`, `minLength`, `maxLength`, `minimum`, `maximum`. Anything else is ignored.

use serde_json::Value;

/// The first way `value` breaks `schema`, as a path and a reason (`None` when it is valid).
pub fn violation(schema: &Value, value: &Value) -> Option<String> {
    check(schema, value, "$")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_ok(expected: &str, v: &Value) -> bool {
    let actual = type_name(v);
    actual == expected || (expected == "number" && actual == "integer")
}

fn check(schema: &Value, value: &Value, path: &str) -> Option<String> {
    let schema = schema.as_object()?;
    match schema.get("type") {
        Some(Value::String(t)) if !type_ok(t, value) => {
            return Some(format!("{path}: expected {t}, got {}", type_name(value)));
        }
        Some(Value::Array(ts))
            if !ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_ok(t, value)) =>
        {
            return Some(format!(
                "{path}: {} is not one of the allowed types",
                type_name(value)
            ));
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        return Some(format!(
            "{path}: {value} is not one of {}",
            Value::Array(allowed.clone())
        ));
    }
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(required)) = schema.get("required") {
                for key in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(key) {
                        return Some(format!("{path}: the required key `{key}` is missing"));
                    }
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, v) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(sub) => {
                        if let Some(e) = check(sub, v, &format!("{path}.{key}")) {
                            return Some(e);
                        }
                    }
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Some(format!("{path}: unexpected key `{key}`"));
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(min) = number("minItems")
                && (items.len() as f64) < min
            {
                return Some(format!(
                    "{path}: {} items, at least {min} required",
                    items.len()
                ));
            }
            if let Some(max) = number("maxItems")
                && (items.len() as f64) > max
            {
                return Some(format!(
                    "{path}: {} items, at most {max} allowed",
                    items.len()
                ));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    if let Some(e) = check(item_schema, item, &format!("{path}[{i}]")) {
                        return Some(e);
                    }
                }
            }
        }
        Value::String(s) => {
            let len = s.chars().count() as f64;
            if number("minLength").is_some_and(|m| len < m) {
                return Some(format!("{path}: the text is shorter than minLength"));
            }
            if number("maxLength").is_some_and(|m| len > m) {
                return Some(format!("{path}: the text is longer than maxLength"));
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if number("minimum").is_some_and(|m| x < m) || number("maximum").is_some_and(|m| x > m)
            {
                return Some(format!("{path}: {x} is out of range"));
            }
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decisions_must_match_the_schema() {
        let schema = json!({"type": "object", "additionalProperties": false,
            "required": ["qualified", "reason"],
            "properties": {"qualified": {"type": "boolean"}, "reason": {"type": "string", "minLength": 1}}});
        assert_eq!(
            violation(
                &schema,
                &json!({"qualified": true, "reason": "CTO at a fintech"})
            ),
            None
        );
        let cases = [
            (
                json!({"qualified": "maybe", "reason": "x"}),
                "$.qualified: expected boolean",
            ),
            (json!({"reason": "x"}), "required key `qualified`"),
            (
                json!({"qualified": true, "reason": "x", "extra": 1}),
                "unexpected key `extra`",
            ),
            (
                json!({"qualified": true, "reason": ""}),
                "shorter than minLength",
            ),
            (json!(["qualified"]), "expected object"),
        ];
        for (value, says) in cases {
            let v = violation(&schema, &value).unwrap_or_default();
            assert!(v.contains(says), "{value}: {v}");
        }
    }

    #[test]
    fn arrays_enums_and_numbers() {
        let schema = json!({"type": "object", "properties": {
            "keywords": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "tone": {"enum": ["formal", "casual"]}, "score": {"type": "number", "maximum": 1}}});
        assert_eq!(
            violation(
                &schema,
                &json!({"keywords": ["a", "b"], "tone": "casual", "score": 1})
            ),
            None
        );
        assert!(
            violation(&schema, &json!({"keywords": ["a"]}))
                .unwrap()
                .contains("at least 2")
        );
        assert!(
            violation(&schema, &json!({"keywords": ["a", 3]}))
                .unwrap()
                .contains("$.keywords[1]")
        );
        assert!(
            violation(&schema, &json!({"tone": "angry"}))
                .unwrap()
                .contains("not one of")
        );
        assert!(
            violation(&schema, &json!({"score": 1.5}))
                .unwrap()
                .contains("out of range")
        );
    }
}
