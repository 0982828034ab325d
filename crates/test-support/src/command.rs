//! Running the `ecrplan` binary against moto the way every CLI test needs it: moto's dummy
//! credentials, and nothing from the developer's shell (a profile, an endpoint, an estate name)
//! that would point the run somewhere else.

use std::process::{Command, Stdio};

/// The shell variables a test run must not inherit.
const FROM_THE_SHELL: &[&str] = &[
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_SESSION_TOKEN",
    "AWS_ROLE_ARN",
    "ECRPLAN_ESTATE",
    "ECRPLAN_TAGGING_API",
];

/// Points `cmd` (the ecrplan binary with its arguments) at the moto server behind `endpoint`,
/// in `region`, with dummy credentials, no colour and no stdin.
pub fn against_moto<'a>(cmd: &'a mut Command, endpoint: &str, region: &str) -> &'a mut Command {
    cmd.arg("--endpoint")
        .arg(endpoint)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for var in FROM_THE_SHELL {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", region)
        .env("AWS_EC2_METADATA_DISABLED", "true")
}
