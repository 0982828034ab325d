//! `account_access = [{ description, account_id, can_write }]`: other accounts' pull (and
//! push) access through the repository policy.

use ecrplan_model::{AccountAccess, check_account_id};

use crate::decode::optional;
use crate::eval::Evaluator;
use crate::value::Value;

impl Evaluator<'_> {
    pub(crate) fn account_access(&mut self, item: &Value) -> Option<AccountAccess> {
        const KEYS: &[&str] = &["description", "account_id", "can_write"];
        let obj = self.object(item, "account_access", KEYS)?;
        let ctx = "an `account_access` entry";
        let description = match optional(obj, "description") {
            Some(v) => self.string(v, "account_access.description")?,
            None => String::new(),
        };
        let id_value = self.required(obj, "account_id", ctx)?;
        let account_id = self.string(id_value, "account_access.account_id")?;
        if let Err(e) = check_account_id(&account_id) {
            let at = id_value.at.clone();
            let d = self
                .diag(&at, e.to_string(), "not a 12-digit account id")
                .help("an AWS account id is exactly 12 digits, written as a string to keep leading zeros");
            self.sink.push(d);
            return None;
        }
        let can_write = match optional(obj, "can_write") {
            Some(v) => self.bool(v, "account_access.can_write")?,
            None => false,
        };
        Some(AccountAccess {
            description,
            account_id,
            can_write,
        })
    }
}
