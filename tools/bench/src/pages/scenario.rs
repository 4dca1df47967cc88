//! The page benchmark's load: closed-loop clients sending GETs with the session cookie, and
//! the latency report of each scenario.

use super::BenchArgs;
use crate::http::{ms, percentile_ms};
use anyhow::Context;
use rand::{SeedableRng, rngs::StdRng};
use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// Latency and throughput of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// Scenario name.
    pub name: &'static str,
    /// Requests measured.
    pub requests: usize,
    /// Wall-clock time of the measured part.
    pub elapsed: Duration,
    /// Median latency in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile in milliseconds.
    pub p99_ms: f64,
    /// Slowest request in milliseconds.
    pub max_ms: f64,
    /// Mean response body size in bytes.
    pub mean_bytes: f64,
    /// Responses other than 200 (and transport errors), by status text.
    pub failures: BTreeMap<String, usize>,
    /// A few failing paths with their status, for diagnosis.
    pub failure_examples: Vec<String>,
}

impl ScenarioReport {
    /// Requests per second over the measured part.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Number of non-200 responses and transport errors.
    pub fn failed(&self) -> usize {
        self.failures.values().sum()
    }
}

/// Picks the path of the next request.
pub(super) type Picker = Arc<dyn Fn(&mut StdRng) -> String + Send + Sync>;

/// Everything a scenario's clients share.
pub(super) struct Load {
    pub(super) client: reqwest::Client,
    pub(super) base: String,
    pub(super) cookie: String,
    pub(super) gzip: bool,
    pub(super) clients: usize,
}

/// What one client task measured.
#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    bytes: u64,
    failures: BTreeMap<String, usize>,
    examples: Vec<String>,
}

impl Load {
    /// Sends `total` GETs from `self.clients` concurrent tasks, each request as soon as the
    /// task's previous one finished (body read completely), and summarises the latencies.
    pub(super) async fn scenario(
        &self,
        name: &'static str,
        pick: Picker,
        total: usize,
        seed: u64,
    ) -> anyhow::Result<ScenarioReport> {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        let started = Instant::now();
        for i in 0..self.clients {
            let client = self.client.clone();
            let base = self.base.clone();
            let cookie = self.cookie.clone();
            let gzip = self.gzip;
            let next = next.clone();
            let pick = pick.clone();
            let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003) + i as u64);
            tasks.spawn(async move {
                let mut s = Sample::default();
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let path = pick(&mut rng);
                    let mut req = client
                        .get(format!("{base}{path}"))
                        .header(reqwest::header::COOKIE, &cookie);
                    if gzip {
                        req = req.header(reqwest::header::ACCEPT_ENCODING, "gzip");
                    }
                    let t0 = Instant::now();
                    let outcome = match req.send().await {
                        Ok(resp) => {
                            let status = resp.status();
                            match resp.bytes().await {
                                Ok(body) => Ok((status, body.len())),
                                Err(e) => Err(format!("body error: {e}")),
                            }
                        }
                        Err(e) => Err(format!("transport error: {e}")),
                    };
                    s.latencies.push(t0.elapsed());
                    let failure = match outcome {
                        Ok((status, len)) => {
                            s.bytes += len as u64;
                            (status != reqwest::StatusCode::OK).then(|| status.to_string())
                        }
                        Err(e) => Some(e),
                    };
                    if let Some(f) = failure {
                        if s.examples.len() < 5 {
                            s.examples.push(format!("{path}: {f}"));
                        }
                        *s.failures.entry(f).or_default() += 1;
                    }
                }
                s
            });
        }
        let mut all = Sample::default();
        while let Some(joined) = tasks.join_next().await {
            let s = joined.context("a client task panicked")?;
            all.latencies.extend(s.latencies);
            all.bytes += s.bytes;
            for (k, v) in s.failures {
                *all.failures.entry(k).or_default() += v;
            }
            all.examples.extend(s.examples);
        }
        let elapsed = started.elapsed();
        all.latencies.sort_unstable();
        all.examples.truncate(5);
        let n = all.latencies.len();
        Ok(ScenarioReport {
            name,
            requests: n,
            elapsed,
            p50_ms: percentile_ms(&all.latencies, 50.0),
            p90_ms: percentile_ms(&all.latencies, 90.0),
            p99_ms: percentile_ms(&all.latencies, 99.0),
            max_ms: all.latencies.last().map_or(0.0, ms),
            mean_bytes: all.bytes as f64 / n.max(1) as f64,
            failures: all.failures,
            failure_examples: all.examples,
        })
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
    if r.failed() > 0 {
        println!("  non-200: {:?}", r.failures);
        for e in &r.failure_examples {
            println!("    {e}");
        }
    }
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
