//! The page benchmark's load: closed-loop clients sending GETs with the session cookie
//! ([`crate::closed_loop`]), and the latency report of each scenario.

use super::BenchArgs;
use crate::closed_loop::{Budget, MakeRequest, ScenarioReport, drive};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Picks the path of the next request.
pub(crate) type Picker = Arc<dyn Fn(&mut StdRng) -> String + Send + Sync>;

/// Everything a scenario's clients share.
pub(crate) struct Load {
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) cookie: String,
    pub(crate) gzip: bool,
    pub(crate) clients: usize,
}

impl Load {
    /// The request builder of GETs of `pick`'s paths with the session cookie (and gzip).
    pub(crate) fn get(&self, pick: Picker) -> MakeRequest {
        let base = self.base.clone();
        let cookie = self.cookie.clone();
        let gzip = self.gzip;
        Arc::new(move |client: &reqwest::Client, rng: &mut StdRng, _, _| {
            let path = pick(rng);
            let mut req = client
                .get(format!("{base}{path}"))
                .header(reqwest::header::COOKIE, &cookie);
            if gzip {
                req = req.header(reqwest::header::ACCEPT_ENCODING, "gzip");
            }
            (path, req)
        })
    }

    /// Sends `total` GETs from `self.clients` concurrent closed-loop clients.
    pub(super) async fn scenario(
        &self,
        name: &str,
        pick: Picker,
        total: usize,
        seed: u64,
    ) -> anyhow::Result<ScenarioReport> {
        drive(
            &self.client,
            self.clients,
            Budget::Requests(total),
            seed,
            name,
            self.get(pick),
        )
        .await
    }
}

fn verdict(r: &ScenarioReport, args: &BenchArgs) -> &'static str {
    if r.failed() > 0 {
        "FAIL (non-200)"
    } else if r.p99_ms < args.target_p99_ms {
        "PASS"
    } else {
        "FAIL"
    }
}

pub(super) fn print_report(r: &ScenarioReport, args: &BenchArgs) {
    println!();
    println!(
        "{}: {} requests, {} clients{} in {:.2} s = {:.0} req/s; mean body {:.1} KiB",
        r.name,
        r.requests,
        args.clients,
        if args.gzip { " (gzip)" } else { "" },
        r.elapsed.as_secs_f64(),
        r.throughput(),
        r.mean_bytes / 1024.0
    );
    println!(
        "  latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}  -> {} (target p99 < {} ms)",
        r.p50_ms,
        r.p90_ms,
        r.p99_ms,
        r.max_ms,
        verdict(r, args),
        args.target_p99_ms
    );
    r.print_failures();
}

pub(super) fn print_table(reports: &[(ScenarioReport, usize)], args: &BenchArgs) {
    println!(
        "{:<40} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  p99 < {} ms",
        "scenario",
        "requests",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "non-200",
        args.target_p99_ms
    );
    for (r, warm) in reports {
        println!(
            "{:<40} {:>8} {:>8.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8}  {}",
            r.name,
            r.requests,
            r.throughput(),
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms,
            r.failed() + warm,
            verdict(r, args)
        );
    }
}
