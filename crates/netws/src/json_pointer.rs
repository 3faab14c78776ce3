//! JSON Pointers (RFC 6901) for `--replay --ignore`: parsed once from the command line, then
//! used to take a member out of both sides before they are compared, and to name where two
//! JSON values first differ.
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// A parsed pointer: its reference tokens, unescaped (`/a~1b/~0c` is `["a/b", "~c"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPointer {
    tokens: Vec<String>,
}

impl FromStr for JsonPointer {
    type Err = String;

    /// RFC 6901 §3: empty (the whole document), or `/` before each token, in which `~0` stands
    /// for `~` and `~1` for `/` (§4: `~1` is read before `~0`, so `~01` is `~1`).
    fn from_str(text: &str) -> Result<JsonPointer, String> {
        if text.is_empty() {
            return Ok(JsonPointer { tokens: Vec::new() });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!(
                "{text:?} is not a JSON Pointer: it starts with / (as /id or /data/ts)"
            ));
        };
        let tokens = rest
            .split('/')
            .map(|token| {
                unescape(token).ok_or_else(|| format!("{text:?}: ~ must be followed by 0 or 1"))
            })
            .collect::<Result<_, _>>()?;
        Ok(JsonPointer { tokens })
    }
}

fn unescape(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// One reference token as written in a pointer.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.tokens {
            write!(f, "/{}", escape(token))?;
        }
        Ok(())
    }
}

impl JsonPointer {
    /// Takes what the pointer names out of `value`, if it is there: an object member is
    /// removed (so a member present on one side only no longer counts); an array element
    /// becomes null (so the positions of the others, and the length, still count); the whole
    /// document becomes null.
    pub fn remove_from(&self, value: &mut Value) {
        let Some((last, parents)) = self.tokens.split_last() else {
            *value = Value::Null;
            return;
        };
        let mut target = value;
        for token in parents {
            target = match child(target, token) {
                Some(child) => child,
                None => return,
            };
        }
        match target {
            Value::Object(members) => {
                members.remove(last);
            }
            Value::Array(elements) => {
                if let Some(element) = array_index(last).and_then(|i| elements.get_mut(i)) {
                    *element = Value::Null;
                }
            }
            _ => {}
        }
    }
}

fn child<'v>(value: &'v mut Value, token: &str) -> Option<&'v mut Value> {
    match value {
        Value::Object(members) => members.get_mut(token),
        Value::Array(elements) => elements.get_mut(array_index(token)?),
        _ => None,
    }
}

/// RFC 6901 §4: an array index is `0` or digits without a leading zero (`-`, the element
/// after the last, never exists).
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// The pointer to the first place where `a` and `b` differ (`""` when the documents differ as a
/// whole, e.g. in type), or None when they are equal. Object members are visited in name order.
pub fn first_difference(a: &Value, b: &Value) -> Option<String> {
    if a == b {
        return None;
    }
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
            names.sort();
            names.dedup();
            names
                .into_iter()
                .find_map(|name| match (a.get(name), b.get(name)) {
                    (Some(x), Some(y)) => {
                        first_difference(x, y).map(|inner| format!("/{}{inner}", escape(name)))
                    }
                    _ => Some(format!("/{}", escape(name))),
                })
        }
        (Value::Array(a), Value::Array(b)) => {
            let paired =
                a.iter().zip(b).enumerate().find_map(|(i, (x, y))| {
                    first_difference(x, y).map(|inner| format!("/{i}{inner}"))
                });
            paired.or_else(|| Some(format!("/{}", a.len().min(b.len()))))
        }
        _ => Some(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointer(text: &str) -> JsonPointer {
        text.parse().unwrap()
    }

    fn without(text: &str, mut value: Value) -> Value {
        pointer(text).remove_from(&mut value);
        value
    }

    #[test]
    fn parsing_follows_rfc_6901() {
        assert_eq!(pointer("").tokens, Vec::<String>::new());
        assert_eq!(pointer("/").tokens, [""]);
        assert_eq!(pointer("/a~1b/~0c/0").tokens, ["a/b", "~c", "0"]);
        // ~1 is unescaped before ~0: "~01" is "~1", not "/".
        assert_eq!(pointer("/~01").tokens, ["~1"]);
        assert!("id".parse::<JsonPointer>().is_err());
        assert!("/a~2".parse::<JsonPointer>().is_err());
        assert!("/a~".parse::<JsonPointer>().is_err());
    }

    #[test]
    fn display_writes_the_pointer_back() {
        for text in ["", "/", "/id", "/a~1b/~0c/0", "/data/ts"] {
            assert_eq!(pointer(text).to_string(), text);
        }
    }

    #[test]
    fn members_are_removed_at_any_depth() {
        let message = json!({"id": 7, "data": {"ts": 123, "v": "x"}});
        assert_eq!(
            without("/id", message.clone()),
            json!({"data": {"ts": 123, "v": "x"}})
        );
        assert_eq!(
            without("/data/ts", message.clone()),
            json!({"id": 7, "data": {"v": "x"}})
        );
        assert_eq!(without("/a~1b", json!({"a/b": 1, "c": 2})), json!({"c": 2}));
        // Nothing there: nothing changes.
        assert_eq!(without("/data/nope/x", message.clone()), message);
        assert_eq!(without("/id/x", message.clone()), message);
    }

    #[test]
    fn array_elements_become_null_and_bad_indexes_name_nothing() {
        let list = json!({"items": [{"ts": 1}, {"ts": 2}]});
        assert_eq!(
            without("/items/1/ts", list.clone()),
            json!({"items": [{"ts": 1}, {}]})
        );
        assert_eq!(
            without("/items/0", list.clone()),
            json!({"items": [null, {"ts": 2}]})
        );
        for index in ["01", "-", "2", "x", ""] {
            assert_eq!(without(&format!("/items/{index}"), list.clone()), list);
        }
    }

    #[test]
    fn the_empty_pointer_ignores_the_whole_document() {
        assert_eq!(without("", json!({"a": 1})), Value::Null);
    }

    #[test]
    fn first_difference_names_the_place() {
        assert_eq!(first_difference(&json!({"a": 1}), &json!({"a": 1})), None);
        assert_eq!(
            first_difference(&json!({"id": 1, "v": "x"}), &json!({"id": 2, "v": "y"})),
            Some("/id".into())
        );
        assert_eq!(
            first_difference(&json!({"d": {"ts": 1}}), &json!({"d": {"ts": 2}})),
            Some("/d/ts".into())
        );
        assert_eq!(
            first_difference(&json!({"a": 1}), &json!({"a": 1, "b": 2})),
            Some("/b".into())
        );
        assert_eq!(
            first_difference(&json!([1, 2]), &json!([1, 3])),
            Some("/1".into())
        );
        assert_eq!(
            first_difference(&json!([1, 2]), &json!([1, 2, 3])),
            Some("/2".into())
        );
        assert_eq!(
            first_difference(&json!({"a/b": 1}), &json!({"a/b": 2})),
            Some("/a~1b".into())
        );
        assert_eq!(first_difference(&json!(1), &json!("1")), Some("".into()));
    }
}
