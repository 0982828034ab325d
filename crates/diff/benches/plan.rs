//! Planning a 10,000-repository estate against an in-memory live state: 100 modules of 100
//! repositories, each with a repository policy and a GitHub push role, where a tenth of the
//! repositories drifted and one module is new.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{account, applied, bulk_module};
use ecrplan_model::{
    AccountAccess, DesiredEstate, GithubAccess, GithubRepository, LiveEstate, Resource,
};

fn main() {
    divan::main();
}

fn estate() -> (DesiredEstate, LiveEstate) {
    let modules = (0..100)
        .map(|m| {
            let mut module = bulk_module(&format!("team-{m:03}"), &format!("team-{m:03}/svc"), 100);
            module.account_access = vec![AccountAccess {
                description: "prod".into(),
                account_id: "931827427725".into(),
                can_write: false,
            }];
            module.github = Some(GithubAccess {
                role_name: format!("team-{m:03}-github"),
                repositories: vec![GithubRepository {
                    organisation: "example".into(),
                    repository: format!("team-{m:03}"),
                }],
                environments: Vec::new(),
                refs: Vec::new(),
                allow_any_organisation: false,
                job_workflow_refs: Vec::new(),
            });
            module
        })
        .collect();
    let desired = DesiredEstate {
        providers: Default::default(),
        name: "platform".into(),
        anonymous: false,
        provider: Default::default(),
        modules,
        replications: Vec::new(),
        skipped_modules: Default::default(),
        registries: Vec::new(),
        targets: Default::default(),
    };
    let mut before = desired.clone();
    before.modules.pop();
    let mut live = applied(&before);
    for (i, o) in live.objects.iter_mut().enumerate() {
        if let Resource::Repository(r) = &mut o.resource
            && i % 10 == 0
        {
            r.scan_on_push = true;
        }
    }
    assert_eq!(live.account, account());
    (desired, live)
}

#[divan::bench(sample_count = 10)]
fn plan_10000_repositories(bencher: divan::Bencher) {
    let (desired, live) = estate();
    // The plan is returned so that divan drops it outside the timed region.
    bencher.bench(|| ecrplan_diff::plan(&desired, &live, "bench"));
}
