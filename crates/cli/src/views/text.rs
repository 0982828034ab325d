//! The human view: Terraform-like blocks per resource, a summary line, checker notes.

use std::fmt::Write as _;

use ecrplan_diff::{Drift, Origin};
use ecrplan_model::{Action, Change, Note, Plan, Severity};

use super::contract::View;
use super::render::{
    Adoptions, Line, Summary, body, drift_counts, drift_lines, heading, label, undeclared_words,
};

/// Terraform-like text; ANSI colour only when `color`.
pub struct TextView {
    /// Colour the symbols and headings.
    pub color: bool,
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";

fn colour_of(sign: char) -> &'static str {
    match sign {
        '+' => "\x1b[32m",
        '-' => "\x1b[31m",
        '~' => "\x1b[33m",
        '&' => "\x1b[36m",
        _ => "",
    }
}

impl TextView {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !code.is_empty() {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    fn line(&self, out: &mut String, indent: &str, l: &Line) {
        let _ = writeln!(
            out,
            "{indent}{} {}",
            self.paint(colour_of(l.sign), &l.sign.to_string()),
            l.text
        );
    }

    fn change(&self, out: &mut String, c: &Change, adoptions: &Adoptions<'_>) {
        let symbol = c.action.symbol();
        let first = symbol.chars().next().unwrap_or(' ');
        let _ = writeln!(
            out,
            "  {}",
            self.paint(BOLD, &format!("# {} {}", c.address, heading(c, adoptions)))
        );
        if c.action == Action::Replace && !c.replace_because.is_empty() {
            let _ = writeln!(
                out,
                "  # (because {} cannot change in place)",
                c.replace_because.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "{} {} {:?} {{",
            self.paint(colour_of(first), &format!("{symbol:>3}")),
            c.id.kind.terraform_type(),
            label(c)
        );
        for l in body(c) {
            self.line(out, "      ", &l);
        }
        out.push_str("    }\n\n");
    }

    /// The account-wide audit's summary of the other estates: context, never drift.
    fn other_estates(&self, out: &mut String, drift: &Drift) {
        if drift.other_estates.is_empty() {
            return;
        }
        let _ = writeln!(out, "{}", self.paint(BOLD, "Other estates in the account:"));
        for (estate, n) in &drift.other_estates {
            let _ = writeln!(
                out,
                "  {estate}: {n} object{}",
                if *n == 1 { "" } else { "s" }
            );
        }
        out.push('\n');
    }

    fn notes(&self, out: &mut String, notes: &[Note]) {
        for n in notes {
            let (word, code) = match n.severity {
                Severity::Error => ("Error", "\x1b[1;31m"),
                Severity::Warning => ("Warning", "\x1b[1;33m"),
            };
            let _ = writeln!(out, "{}: {}", self.paint(code, word), n.message);
            if let Some(a) = &n.address {
                let _ = writeln!(out, "  on {a}");
            }
            out.push('\n');
        }
    }
}

impl View for TextView {
    fn plan(&self, plan: &Plan) -> String {
        let mut out = String::new();
        let changing: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .collect();
        if changing.is_empty() {
            out.push_str(&self.paint(
                BOLD,
                "No changes. Your ECR estate matches the configuration.",
            ));
            out.push_str("\n\n");
            self.notes(&mut out, &plan.notes);
            return out;
        }
        let _ = writeln!(
            out,
            "ecrplan will perform the following actions in account {} ({}), estate {:?}:\n",
            plan.account.id, plan.account.region, plan.estate
        );
        let adoptions = Adoptions::of(plan);
        for c in changing {
            self.change(&mut out, c, &adoptions);
        }
        self.notes(&mut out, &plan.notes);
        let _ = writeln!(out, "{}", self.paint(BOLD, &Summary::of(plan).line()));
        if !plan.is_applyable() {
            out.push_str("\nThis plan must not be applied: fix the errors above first.\n");
        }
        out
    }

    fn drift(&self, drift: &Drift) -> String {
        let mut out = String::new();
        if drift.in_sync() {
            let what = if drift.account_wide {
                "The account matches the configuration."
            } else {
                "The estate matches the configuration."
            };
            out.push_str(&self.paint(BOLD, &format!("No drift. {what}")));
            out.push_str("\n\n");
            self.other_estates(&mut out, drift);
            self.notes(&mut out, &drift.notes);
            return out;
        }
        let _ = writeln!(
            out,
            "Drift in account {} ({}), estate {:?}:\n",
            drift.account.id, drift.account.region, drift.estate
        );
        if !drift.changed.is_empty() {
            let _ = writeln!(out, "{}", self.paint(BOLD, "Changed outside ecrplan:"));
            for c in &drift.changed {
                let _ = writeln!(
                    out,
                    "  {} {} ({})",
                    self.paint(colour_of('~'), "~"),
                    c.address,
                    c.action
                );
                for l in drift_lines(&c.attributes) {
                    self.line(&mut out, "      ", &l);
                }
            }
            out.push('\n');
        }
        if !drift.missing.is_empty() {
            let _ = writeln!(out, "{}", self.paint(BOLD, "Declared but missing:"));
            for m in &drift.missing {
                let _ = writeln!(
                    out,
                    "  {} {} ({})",
                    self.paint(colour_of('+'), "+"),
                    m.address,
                    m.id
                );
            }
            out.push('\n');
        }
        let lists = [
            (Origin::NoLongerDeclared, "Owned but no longer declared:"),
            (
                Origin::ByHand,
                "Made by hand on the estate's objects (never declared):",
            ),
            (
                Origin::Undetermined,
                "Not declared (of a kind ecrplan writes: an earlier configuration or a person \
                 made it; with no state file the account does not say which):",
            ),
        ];
        for (origin, title) in lists {
            let mut items = drift.undeclared.iter().filter(|u| u.origin == origin);
            let Some(first) = items.next() else {
                continue;
            };
            let _ = writeln!(out, "{}", self.paint(BOLD, title));
            for u in std::iter::once(first).chain(items) {
                let _ = write!(
                    out,
                    "  {} {} ({})",
                    self.paint(colour_of('-'), "-"),
                    u.address,
                    u.id
                );
                if origin == Origin::ByHand {
                    let _ = write!(out, ": {}", undeclared_words(u));
                }
                out.push('\n');
            }
            out.push('\n');
        }
        if !drift.unmanaged.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                self.paint(
                    BOLD,
                    "Unmanaged (nothing in the account marks them as an estate's):"
                )
            );
            for u in &drift.unmanaged {
                let _ = writeln!(out, "  ? {}: {}", u.id, u.reason);
            }
            out.push('\n');
        }
        if !drift.old_access_keys.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                self.paint(BOLD, "Access keys to rotate (older than 90 days):")
            );
            for k in &drift.old_access_keys {
                let _ = writeln!(
                    out,
                    "  ! {}: user {} holds {} key {}, {} days old",
                    k.address,
                    k.user,
                    k.status.to_lowercase(),
                    k.key,
                    k.age_days
                );
            }
            out.push('\n');
        }
        self.other_estates(&mut out, drift);
        self.notes(&mut out, &drift.notes);
        let _ = writeln!(out, "Drift: {}.", drift_counts(drift));
        out
    }
}
