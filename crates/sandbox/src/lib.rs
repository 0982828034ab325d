//! The [`Provider`] on a local JSON file: the embedded accounts for trying ecrplan without AWS,
//! and the target of offline plans against a snapshot taken with `ecrplan snapshot`.
//!
//! One file holds every registry (an account in a region) a configuration reaches; each
//! [`SandboxProvider`] is one of them, reading and changing its registry's ECR objects and its
//! account's IAM objects, which every region of the account shares. Every change is appended
//! to a journal beside the file (one JSON line naming its registry, written before the call
//! returns), and the journal is folded into the file — rewritten atomically — once it holds as
//! many entries as the file holds objects, and when the last provider of the file is dropped.
//! A change therefore costs O(1) however large the file, a killed apply leaves a file and a
//! journal that read back as every change it reported done, and two commands run one after
//! the other see each other's work. Providers of one file in one process share one state, so
//! several registries can be refreshed and changed at once. The semantics and errors follow
//! the AWS provider: see `README.md` for the format.
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
