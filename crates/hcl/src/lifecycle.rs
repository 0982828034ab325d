//! ECR lifecycle policy validation: the rules ECR's `PutLifecyclePolicy` would reject,
//! reported before anything reaches AWS.

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// Checks a lifecycle policy document and returns every problem found, each a sentence.
pub(crate) fn check(text: &str) -> Result<Json, Vec<String>> {
    let doc: Json = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Err(vec![format!("the lifecycle policy is not valid JSON: {e}")]),
    };
    let mut problems = Vec::new();
    check_document(&doc, &mut problems);
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(problems)
    }
}

/// Where in `text` JSON parsing fails: the one-based line and column serde_json reports.
pub(crate) fn syntax_error_position(text: &str) -> Option<(usize, usize)> {
    match serde_json::from_str::<Json>(text) {
        Ok(_) => None,
        Err(e) => Some((e.line(), e.column())),
    }
}

fn check_document(doc: &Json, problems: &mut Vec<String>) {
    let Some(obj) = doc.as_object() else {
        problems.push("a lifecycle policy is a JSON object with a `rules` list".into());
        return;
    };
    for key in obj.keys().filter(|k| k.as_str() != "rules") {
        problems.push(format!(
            "unknown key `{key}` in the lifecycle policy (only `rules`)"
        ));
    }
    let Some(rules) = obj.get("rules").and_then(Json::as_array) else {
        problems.push("the lifecycle policy needs a `rules` list".into());
        return;
    };
    if rules.is_empty() {
        problems.push("the lifecycle policy's `rules` list is empty".into());
    }
    let mut priorities: BTreeMap<i64, usize> = BTreeMap::new();
    let mut any_rule: Option<i64> = None;
    for (i, rule) in rules.iter().enumerate() {
        let n = i + 1;
        let Some(rule) = rule.as_object() else {
            problems.push(format!("rule {n} is not an object"));
            continue;
        };
        for key in rule.keys() {
            if !["rulePriority", "description", "selection", "action"].contains(&key.as_str()) {
                problems.push(format!("rule {n}: unknown key `{key}`"));
            }
        }
        let priority = match rule.get("rulePriority") {
            Some(p) => match p.as_i64().filter(|p| *p >= 1) {
                Some(p) => {
                    if let Some(other) = priorities.insert(p, n) {
                        problems.push(format!(
                            "rules {other} and {n} have the same rulePriority {p}"
                        ));
                    }
                    Some(p)
                }
                None => {
                    problems.push(format!(
                        "rule {n}: rulePriority must be a whole number of at least 1, not {p}"
                    ));
                    None
                }
            },
            None => {
                problems.push(format!("rule {n} has no rulePriority"));
                None
            }
        };
        if let Some(d) = rule.get("description")
            && !d.is_string()
        {
            problems.push(format!("rule {n}: description must be a string"));
        }
        match rule.get("selection").and_then(Json::as_object) {
            None => problems.push(format!("rule {n} has no selection object")),
            Some(selection) => {
                let status = check_selection(n, selection, problems);
                if status.as_deref() == Some("any") {
                    if any_rule.is_some() {
                        problems.push(format!(
                            "rule {n}: only one rule may select tagStatus \"any\""
                        ));
                    }
                    any_rule = priority.or(Some(0));
                }
            }
        }
        match rule.get("action").and_then(Json::as_object) {
            None => problems.push(format!("rule {n} has no action object")),
            Some(action) => {
                let target = action.get("targetStorageClass");
                match action.get("type").and_then(Json::as_str) {
                    Some("expire") => {
                        if target.is_some() {
                            problems.push(format!(
                                "rule {n}: action.targetStorageClass only goes with action.type \"transition\""
                            ));
                        }
                    }
                    Some("transition") => match target.and_then(Json::as_str) {
                        Some("archive") => {}
                        Some(other) => problems.push(format!(
                            "rule {n}: action.targetStorageClass must be \"archive\", not \"{other}\""
                        )),
                        None => problems.push(format!(
                            "rule {n}: action.type \"transition\" needs \"targetStorageClass\": \"archive\""
                        )),
                    },
                    Some(other) => problems.push(format!(
                        "rule {n}: action.type must be \"expire\" or \"transition\", not \"{other}\""
                    )),
                    None => problems.push(format!(
                        "rule {n}: action needs a \"type\" (\"expire\" or \"transition\")"
                    )),
                }
                for key in action
                    .keys()
                    .filter(|k| !["type", "targetStorageClass"].contains(&k.as_str()))
                {
                    problems.push(format!("rule {n}: unknown key `action.{key}`"));
                }
                let selection = rule.get("selection").and_then(Json::as_object);
                let archived = selection
                    .and_then(|s| s.get("storageClass"))
                    .and_then(Json::as_str)
                    == Some("archive");
                let count = selection
                    .and_then(|s| s.get("countNumber"))
                    .and_then(Json::as_u64);
                if archived
                    && action.get("type").and_then(Json::as_str) == Some("expire")
                    && selection
                        .and_then(|s| s.get("countType"))
                        .and_then(Json::as_str)
                        == Some("sinceImageTransitioned")
                    && count.is_some_and(|c| c < 90)
                {
                    problems.push(format!(
                        "rule {n}: archived images are kept at least 90 days, so countNumber must be 90 or more"
                    ));
                }
            }
        }
    }
    if let (Some(any), Some((&highest, _))) = (any_rule, priorities.last_key_value())
        && any != 0
        && any < highest
    {
        problems.push(format!(
                "the rule selecting tagStatus \"any\" (rulePriority {any}) must have the highest rulePriority ({highest} is higher): ECR evaluates it last"
            ));
    }
}

fn check_selection(
    n: usize,
    selection: &serde_json::Map<String, Json>,
    problems: &mut Vec<String>,
) -> Option<String> {
    const KEYS: &[&str] = &[
        "tagStatus",
        "tagPrefixList",
        "tagPatternList",
        "storageClass",
        "countType",
        "countUnit",
        "countNumber",
    ];
    for key in selection.keys() {
        if !KEYS.contains(&key.as_str()) {
            problems.push(format!("rule {n}: unknown key `selection.{key}`"));
        }
    }
    let status = selection.get("tagStatus").and_then(Json::as_str);
    match status {
        Some("tagged" | "untagged" | "any") => {}
        Some(other) => problems.push(format!(
            "rule {n}: selection.tagStatus must be \"tagged\", \"untagged\" or \"any\", not \"{other}\""
        )),
        None => problems.push(format!("rule {n}: selection.tagStatus is missing")),
    }
    let has_list = |key: &str, problems: &mut Vec<String>| -> bool {
        match selection.get(key) {
            None => false,
            Some(Json::Array(items)) if !items.is_empty() && items.iter().all(Json::is_string) => {
                true
            }
            Some(_) => {
                problems.push(format!(
                    "rule {n}: selection.{key} must be a non-empty list of strings"
                ));
                true
            }
        }
    };
    let prefixes = has_list("tagPrefixList", problems);
    let patterns = has_list("tagPatternList", problems);
    if status == Some("tagged") && !prefixes && !patterns {
        problems.push(format!(
            "rule {n}: tagStatus \"tagged\" needs selection.tagPrefixList or selection.tagPatternList"
        ));
    }
    if prefixes && patterns {
        problems.push(format!(
            "rule {n}: use selection.tagPrefixList or selection.tagPatternList, not both"
        ));
    }
    if status != Some("tagged") && (prefixes || patterns) {
        problems.push(format!(
            "rule {n}: tag prefix and pattern lists only go with tagStatus \"tagged\""
        ));
    }
    match selection.get("storageClass").map(|s| s.as_str()) {
        None | Some(Some("standard" | "archive")) => {}
        Some(other) => problems.push(format!(
            "rule {n}: selection.storageClass must be \"standard\" or \"archive\", not {}",
            other.map_or("a non-string".to_owned(), |s| format!("\"{s}\""))
        )),
    }
    match selection.get("countType").and_then(Json::as_str) {
        Some("imageCountMoreThan") => {
            if selection.contains_key("countUnit") {
                problems.push(format!(
                    "rule {n}: countUnit only goes with the since… count types, not \"imageCountMoreThan\""
                ));
            }
        }
        Some(kind @ ("sinceImagePushed" | "sinceImagePulled" | "sinceImageTransitioned")) => {
            match selection.get("countUnit").and_then(Json::as_str) {
                Some("days") => {}
                Some(other) => problems.push(format!(
                    "rule {n}: selection.countUnit must be \"days\", not \"{other}\""
                )),
                None => problems.push(format!(
                    "rule {n}: countType \"{kind}\" needs \"countUnit\": \"days\""
                )),
            }
        }
        Some(other) => problems.push(format!(
            "rule {n}: selection.countType must be \"imageCountMoreThan\", \"sinceImagePushed\", \"sinceImagePulled\" or \"sinceImageTransitioned\", not \"{other}\""
        )),
        None => problems.push(format!("rule {n}: selection.countType is missing")),
    }
    match selection.get("countNumber") {
        Some(c) if c.as_u64().is_some_and(|c| c >= 1) => {}
        Some(c) => problems.push(format!(
            "rule {n}: selection.countNumber must be a whole number of at least 1, not {c}"
        )),
        None => problems.push(format!("rule {n}: selection.countNumber is missing")),
    }
    status.map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_valid_policy() {
        let text = r#"{"rules":[
            {"rulePriority":1,"description":"untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}},
            {"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}},
            {"rulePriority":3,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}
        ]}"#;
        assert!(check(text).is_ok());
    }

    #[test]
    fn reports_every_problem() {
        let text = r#"{"rules":[
            {"rulePriority":2,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},
            {"rulePriority":3,"selection":{"tagStatus":"tagged","countType":"sinceImagePushed","countNumber":0},"action":{"type":"delete"}},
            {"selection":{"tagStatus":"maybe","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}
        ]}"#;
        let problems = check(text).unwrap_err();
        let all = problems.join("\n");
        for want in [
            "tagStatus \"tagged\" needs",
            "needs \"countUnit\": \"days\"",
            "countNumber must be a whole number",
            "action.type must be \"expire\" or \"transition\", not \"delete\"",
            "rule 3 has no rulePriority",
            "tagStatus must be \"tagged\", \"untagged\" or \"any\", not \"maybe\"",
            "must have the highest rulePriority",
        ] {
            assert!(all.contains(want), "missing {want:?} in:\n{all}");
        }
    }

    #[test]
    fn accepts_archive_transitions() {
        let text = r#"{"rules":[
            {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["api-"],"countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}},
            {"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["api-"],"storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90},"action":{"type":"expire"}}
        ]}"#;
        assert!(check(text).is_ok(), "{:?}", check(text));
        let short = text.replace("\"countNumber\":90", "\"countNumber\":30");
        let problems = check(&short).unwrap_err();
        assert!(problems[0].contains("at least 90 days"), "{problems:?}");
        let bad = text.replace(
            "\"targetStorageClass\":\"archive\"",
            "\"targetStorageClass\":\"glacier\"",
        );
        assert!(check(&bad).unwrap_err()[0].contains("must be \"archive\""));
    }

    #[test]
    fn rejects_bad_json() {
        let problems = check("{\"rules\": [").unwrap_err();
        assert!(problems[0].contains("not valid JSON"));
    }
}
