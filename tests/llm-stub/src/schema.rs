//! A small JSON Schema subset: enough to check the stub's own replies against the schemas
//! structured-output clients send, and to bend a reply into shape when the host's schema
//! differs from what a task naturally produces.
//!
//! Supported: `type` (a name or a list), `properties`, `required`, `additionalProperties`
//! (boolean or schema), `items`, `enum`, `const`, `minItems`, `maxItems`, `anyOf`/`oneOf`,
//! and local `$ref`s (`#/$defs/…`, `#/definitions/…`). Other keywords are ignored.

use serde_json::{Map, Value};

/// Why a value does not validate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SchemaError {
    /// JSON pointer-like location (`$`, `$.qualified`, `$.keywords[2]`).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

/// Checks `value` against `schema`.
pub fn validate(schema: &Value, value: &Value) -> Result<(), SchemaError> {
    check(schema, schema, value, "$")
}

/// A value that validates against `schema`: `const`, first `enum` entry, `default`, or the
/// type's zero (objects get their required properties).
pub fn example(schema: &Value) -> Value {
    example_in(schema, schema, 0)
}

/// `value` made to validate against `schema`: what already validates is kept; objects keep
/// their valid properties, lose the ones not allowed and gain missing required ones; anything
/// else that does not validate is replaced by [`example`].
pub fn conform(schema: &Value, value: Value) -> Value {
    conform_in(schema, schema, value, 0)
}

const MAX_DEPTH: usize = 32;

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..MAX_DEPTH {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return current;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return current;
        };
        match root.pointer(pointer) {
            Some(target) => current = target,
            None => return current,
        }
    }
    current
}

fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    }
}

fn err(path: &str, message: impl Into<String>) -> Result<(), SchemaError> {
    Err(SchemaError {
        path: path.to_string(),
        message: message.into(),
    })
}

fn check(root: &Value, schema: &Value, value: &Value, path: &str) -> Result<(), SchemaError> {
    let schema = resolve(root, schema);
    if schema == &Value::Bool(false) {
        return err(path, "no value is allowed here");
    }
    let ts = types(schema);
    if !ts.is_empty() && !ts.iter().any(|t| has_type(value, t)) {
        return err(path, format!("expected {}, got {value}", ts.join(" or ")));
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        return err(path, format!("expected {c}"));
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        return err(
            path,
            format!("{value} is not one of {}", Value::from(options.clone())),
        );
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(key)
            && !options.iter().any(|s| check(root, s, value, path).is_ok())
        {
            return err(path, format!("matches none of the {key} schemas"));
        }
    }
    if let Value::Object(map) = value {
        check_object(root, schema, map, path)?;
    }
    if let Value::Array(items) = value {
        let len = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && len < min
        {
            return err(path, format!("has {len} items, fewer than {min}"));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && len > max
        {
            return err(path, format!("has {len} items, more than {max}"));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(root, item_schema, item, &format!("{path}[{i}]"))?;
            }
        }
    }
    Ok(())
}

fn check_object(
    root: &Value,
    schema: &Value,
    map: &Map<String, Value>,
    path: &str,
) -> Result<(), SchemaError> {
    let props = schema.get("properties").and_then(Value::as_object);
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !map.contains_key(name) {
                return err(path, format!("missing required property `{name}`"));
            }
        }
    }
    for (key, v) in map {
        let sub = format!("{path}.{key}");
        match (
            props.and_then(|p| p.get(key)),
            schema.get("additionalProperties"),
        ) {
            (Some(s), _) => check(root, s, v, &sub)?,
            (None, Some(Value::Bool(false))) => {
                return err(path, format!("property `{key}` is not allowed"));
            }
            (None, Some(extra @ Value::Object(_))) => check(root, extra, v, &sub)?,
            (None, _) => {}
        }
    }
    Ok(())
}

fn example_in(root: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(root, schema);
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(d) = schema.get("default")
        && check(root, schema, d, "$").is_ok()
    {
        return d.clone();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|o| o.first())
        {
            return example_in(root, first, depth + 1);
        }
    }
    match types(schema).first().copied() {
        Some("object") => {
            let mut map = Map::new();
            fill_required(root, schema, &mut map, depth);
            Value::Object(map)
        }
        Some("array") => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = schema
                .get("items")
                .map_or(Value::Null, |s| example_in(root, s, depth + 1));
            Value::Array((0..min).map(|_| item.clone()).collect())
        }
        Some("string") => Value::String(String::new()),
        Some("boolean") => Value::Bool(false),
        Some("number" | "integer") => Value::from(0),
        _ => Value::Null,
    }
}

fn fill_required(root: &Value, schema: &Value, map: &mut Map<String, Value>, depth: usize) {
    let props = schema.get("properties").and_then(Value::as_object);
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !map.contains_key(name) {
                let v = props
                    .and_then(|p| p.get(name))
                    .map_or(Value::Null, |s| example_in(root, s, depth + 1));
                map.insert(name.to_string(), v);
            }
        }
    }
}

fn conform_in(root: &Value, schema: &Value, value: Value, depth: usize) -> Value {
    let schema = resolve(root, schema);
    if check(root, schema, &value, "$").is_ok() {
        return value;
    }
    let wants_object = types(schema).contains(&"object");
    match value {
        Value::Object(map) if wants_object && depth < MAX_DEPTH => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties");
            let mut out = Map::new();
            for (key, v) in map {
                match (props.and_then(|p| p.get(&key)), extra) {
                    (Some(s), _) => {
                        out.insert(key, conform_in(root, s, v, depth + 1));
                    }
                    (None, Some(Value::Bool(false))) => {}
                    (None, Some(s @ Value::Object(_))) => {
                        out.insert(key, conform_in(root, s, v, depth + 1));
                    }
                    (None, _) => {
                        out.insert(key, v);
                    }
                }
            }
            fill_required(root, schema, &mut out, depth);
            let out = Value::Object(out);
            if check(root, schema, &out, "$").is_ok() {
                out
            } else {
                example_in(root, schema, depth)
            }
        }
        _ => example_in(root, schema, depth),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decision_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "qualified": {"type": "boolean", "description": "True if a good prospect"},
                "reason": {"type": "string"}
            },
            "required": ["qualified", "reason"],
            "additionalProperties": false
        })
    }

    #[test]
    fn validates() {
        let s = decision_schema();
        assert!(validate(&s, &json!({"qualified": true, "reason": "x"})).is_ok());
        let e = validate(&s, &json!({"qualified": "maybe"})).expect_err("invalid");
        assert_eq!(e.path, "$");
        let e = validate(&s, &json!({"qualified": "maybe", "reason": "x"})).expect_err("invalid");
        assert_eq!(e.path, "$.qualified");
        assert!(validate(&s, &json!({"qualified": true, "reason": "x", "more": 1})).is_err());
        assert!(validate(&s, &json!([])).is_err());
        let list = json!({"type":"object","properties":{"keywords":{"type":"array","items":{"type":"string"},"minItems":1}},"required":["keywords"]});
        assert!(validate(&list, &json!({"keywords": ["a"]})).is_ok());
        assert!(validate(&list, &json!({"keywords": []})).is_err());
        assert!(validate(&list, &json!({"keywords": [1]})).is_err());
        assert!(validate(&list, &json!({"keywords": "a, b"})).is_err());
    }

    #[test]
    fn refs_enums_and_any_of() {
        let s = json!({
            "$defs": {"Level": {"enum": ["low", "high"]}},
            "type": "object",
            "properties": {"level": {"$ref": "#/$defs/Level"}, "n": {"anyOf": [{"type":"integer"},{"type":"null"}]}},
            "required": ["level", "n"]
        });
        assert!(validate(&s, &json!({"level": "low", "n": null})).is_ok());
        assert!(validate(&s, &json!({"level": "mid", "n": 1})).is_err());
        assert!(validate(&s, &json!({"level": "high", "n": 1.5})).is_err());
        assert_eq!(example(&s), json!({"level": "low", "n": 0}));
    }

    #[test]
    fn conforms() {
        let s = json!({
            "type": "object",
            "properties": {
                "qualified": {"type": "boolean"},
                "reason": {"type": "string"},
                "confidence": {"type": "number"}
            },
            "required": ["qualified", "reason", "confidence"],
            "additionalProperties": false
        });
        let v = conform(&s, json!({"qualified": true, "reason": "r", "extra": 1}));
        assert_eq!(
            v,
            json!({"qualified": true, "reason": "r", "confidence": 0})
        );
        assert!(validate(&s, &v).is_ok());
        let v = conform(&decision_schema(), json!("text"));
        assert_eq!(v, json!({"qualified": false, "reason": ""}));
        let kept = json!({"qualified": true, "reason": "r"});
        assert_eq!(conform(&decision_schema(), kept.clone()), kept);
    }
}
