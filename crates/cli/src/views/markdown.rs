//! The pull-request view: a summary table and one collapsible block per resource, cut to stay
//! under GitHub's 65,536-character comment limit.

use std::fmt::Write as _;

use ecrplan_diff::Drift;
use ecrplan_model::{Action, Change, Note, Plan, Severity};

use super::contract::View;
use super::render::{
    Adoptions, Line, Summary, body, drift_counts, drift_lines, heading, undeclared_words,
};

/// GitHub refuses comments of this many characters or more.
pub const COMMENT_LIMIT: usize = 65_536;
/// Room kept for the closing lines whatever was cut.
const RESERVE: usize = 1_024;
/// The share of the comment the summary table may take before its rows are cut too.
const TABLE_BUDGET: usize = 24_000;
/// The share of the comment the checker notes may take.
const NOTES_BUDGET: usize = 16_000;
/// Where the plan's notes and details are all listed.
const PLAN_JSON: &str =
    "the JSON plan (`ecrplan plan --format json` or `ecrplan show PLAN.json --format json`)";
/// Where the drift report's notes and details are all listed.
const DRIFT_JSON: &str = "`ecrplan drift --format json`";

/// Markdown for pull-request comments.
pub struct MarkdownView;

fn code(s: &str) -> String {
    // Backticks cannot appear in addresses, but keep the cell valid if one ever does.
    format!("`{}`", s.replace('`', "'"))
}

/// An address as HTML, for `<summary>`, where Markdown backticks do not render.
fn html_code(s: &str) -> String {
    let escaped = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<code>{escaped}</code>")
}

fn diff_block(lines: &[Line]) -> String {
    let mut out = String::from("```diff\n");
    for l in lines {
        let _ = writeln!(out, "{} {}", l.sign, l.text);
    }
    out.push_str("```\n");
    out
}

/// Checker notes, cut at [`NOTES_BUDGET`] like the table; errors sort first, so they are the
/// ones shown.
/// The account-wide audit's summary of the other estates, one line.
fn other_estates(out: &mut String, drift: &Drift) {
    if drift.other_estates.is_empty() {
        return;
    }
    let parts: Vec<String> = drift
        .other_estates
        .iter()
        .map(|(estate, n)| format!("{} ({n})", code(estate)))
        .collect();
    let _ = writeln!(out, "Other estates in the account: {}.\n", parts.join(", "));
}

fn notes(out: &mut String, notes: &[Note], pointer: &str) {
    let start = out.len();
    for (shown, n) in notes.iter().enumerate() {
        let kind = match n.severity {
            Severity::Error => "CAUTION",
            Severity::Warning => "WARNING",
        };
        let at = n
            .address
            .as_ref()
            .map(|a| format!(" ({})", code(&a.to_string())))
            .unwrap_or_default();
        let s = format!("> [!{kind}]\n> {}{at}\n\n", n.message.replace('\n', " "));
        if out.len() - start + s.len() > NOTES_BUDGET {
            let _ = writeln!(
                out,
                "_{} more notes — see {pointer}._\n",
                notes.len() - shown
            );
            return;
        }
        out.push_str(&s);
    }
}

/// Appends sections while they fit under the limit; says how many were left out.
fn fill(out: &mut String, sections: Vec<String>, what: &str, pointer: &str) {
    let total = sections.len();
    let mut shown = 0;
    for s in sections {
        if out.len() + s.len() + RESERVE >= COMMENT_LIMIT {
            break;
        }
        out.push_str(&s);
        shown += 1;
    }
    if shown < total {
        let _ = writeln!(
            out,
            "\n_{} of {total} {what} left out to fit GitHub's comment limit; {pointer}._\n",
            total - shown
        );
    }
}

fn table(out: &mut String, header: &str, rows: Vec<String>) {
    out.push_str(header);
    let total = rows.len();
    let start = out.len();
    let mut shown = 0;
    for r in rows {
        if out.len() - start + r.len() > TABLE_BUDGET {
            break;
        }
        out.push_str(&r);
        shown += 1;
    }
    if shown < total {
        // As many cells as the header has columns, so the row lines up with the table.
        let columns = header
            .lines()
            .next()
            .unwrap_or_default()
            .matches('|')
            .count()
            .saturating_sub(1);
        let _ = writeln!(
            out,
            "| … | _{} more not listed_ |{}",
            total - shown,
            " |".repeat(columns.saturating_sub(2))
        );
    }
    out.push('\n');
}

fn details(c: &Change, adoptions: &Adoptions<'_>) -> String {
    let because = if c.replace_because.is_empty() {
        String::new()
    } else {
        format!(" (because of {})", c.replace_because.join(", "))
    };
    format!(
        "<details><summary><code>{}</code> {} {}{because}</summary>\n\n{}\n</details>\n",
        c.action.symbol(),
        html_code(&c.address.to_string()),
        heading(c, adoptions),
        diff_block(&body(c))
    )
}

impl View for MarkdownView {
    fn plan(&self, plan: &Plan) -> String {
        let mut out = format!(
            "### ecrplan plan: estate `{}`, account `{}` (`{}`)\n\n",
            plan.estate, plan.account.id, plan.account.region
        );
        let changing: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .collect();
        if changing.is_empty() {
            out.push_str("**No changes.** Your ECR estate matches the configuration.\n\n");
            notes(&mut out, &plan.notes, PLAN_JSON);
            return out;
        }
        let _ = writeln!(out, "**{}**\n", Summary::of(plan).line());
        if !plan.is_applyable() {
            out.push_str("**This plan must not be applied: see the errors below.**\n\n");
        }
        notes(&mut out, &plan.notes, PLAN_JSON);
        let rows = changing
            .iter()
            .map(|c| {
                format!(
                    "| `{}` {} | {} | {} |\n",
                    c.action.symbol(),
                    c.action,
                    code(&c.address.to_string()),
                    c.id.kind.terraform_type()
                )
            })
            .collect();
        table(
            &mut out,
            "| Action | Resource | Type |\n|---|---|---|\n",
            rows,
        );
        let adoptions = Adoptions::of(plan);
        fill(
            &mut out,
            changing.iter().map(|c| details(c, &adoptions)).collect(),
            "resource details were",
            &format!("{PLAN_JSON} has them all"),
        );
        out
    }

    fn drift(&self, drift: &Drift) -> String {
        let mut out = format!(
            "### ecrplan drift: estate `{}`, account `{}` (`{}`)\n\n",
            drift.estate, drift.account.id, drift.account.region
        );
        if drift.in_sync() {
            out.push_str(if drift.account_wide {
                "**No drift.** The account matches the configuration.\n\n"
            } else {
                "**No drift.** The estate matches the configuration.\n\n"
            });
            other_estates(&mut out, drift);
            notes(&mut out, &drift.notes, DRIFT_JSON);
            return out;
        }
        let _ = writeln!(out, "**Drift: {}.**\n", drift_counts(drift));
        other_estates(&mut out, drift);
        notes(&mut out, &drift.notes, DRIFT_JSON);
        let mut rows: Vec<String> = Vec::new();
        rows.extend(drift.changed.iter().map(|c| {
            format!(
                "| changed ({}) | {} |\n",
                c.action,
                code(&c.address.to_string())
            )
        }));
        rows.extend(
            drift
                .missing
                .iter()
                .map(|m| format!("| missing | {} |\n", code(&m.address.to_string()))),
        );
        rows.extend(drift.undeclared.iter().map(|u| {
            format!(
                "| {} | {} |\n",
                undeclared_words(u),
                code(&u.address.to_string())
            )
        }));
        rows.extend(
            drift
                .unmanaged
                .iter()
                .map(|u| format!("| unmanaged | {} |\n", code(&u.id.to_string()))),
        );
        rows.extend(drift.old_access_keys.iter().map(|k| {
            format!(
                "| access key {} is {} days old | {} |\n",
                k.key,
                k.age_days,
                code(&k.address.to_string())
            )
        }));
        table(&mut out, "| Drift | Object |\n|---|---|\n", rows);
        fill(
            &mut out,
            drift
                .changed
                .iter()
                .map(|c| {
                    format!(
                        "<details><summary>{} changed</summary>\n\n{}\n</details>\n",
                        html_code(&c.address.to_string()),
                        diff_block(&drift_lines(&c.attributes))
                    )
                })
                .collect(),
            "changed objects were",
            &format!("{DRIFT_JSON} lists them all"),
        );
        out
    }
}
