//! The [`Provider`] on a local JSON file: the embedded account for trying ecrplan without AWS,
//! and the target of offline plans against a snapshot taken with `ecrplan snapshot`.
//!
//! The file is the account. Every change is appended to a journal beside it (one JSON line,
//! written before the call returns), and the journal is folded into the file — rewritten
//! atomically — once it holds as many entries as the account holds objects, and when the
//! provider is dropped. A change therefore costs O(1) however large the account, a killed apply
//! leaves a file and a journal that read back as every change it reported done, and two
//! commands run one after the other see each other's work. The semantics and errors follow the
//! AWS provider: see `README.md` for the format.
//!
//! Each change goes to the handler of its object's kind (`kinds.rs`), made of the shared steps
//! in `handler.rs`; what a refresh returns is the model's [`RefreshScope::admits`].
//!
//! [`Provider`]: ecrplan_model::Provider
//! [`RefreshScope::admits`]: ecrplan_model::RefreshScope::admits

mod contents;
mod errors;
mod file;
mod handler;
mod kinds;
mod provider;
mod state;

pub use file::{FORMAT_VERSION, SANDBOX_ACCOUNT_ID, SANDBOX_REGION, SINGLE_REGISTRY_FORMAT};
pub use provider::SandboxProvider;
pub use state::write_snapshot;
