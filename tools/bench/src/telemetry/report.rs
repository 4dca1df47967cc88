//! The telemetry benchmark's result table, each measure against its target.

use super::{BenchArgs, percentile, prune::PruneResult, summary::SummaryResult};

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// Prints every measure with its target and verdict.
pub(super) fn report(args: &BenchArgs, s: &SummaryResult, p: &PruneResult) {
    let p50 = percentile(&s.summarize_ms, 50.0);
    let p99 = percentile(&s.summarize_ms, 99.0);
    let base = percentile(&s.baseline_ms, 50.0);
    let seq = percentile(&s.seq_scan_ms, 50.0);
    // Judged against the faster of the two raw variants.
    let ratio = base.min(seq) / p50;
    let idle99 = percentile(&p.idle_ms, 99.0);
    let during99 = percentile(&p.during_ms, 99.0);
    let events: i64 = s.summary.families.iter().map(|f| f.count).sum();
    println!();
    println!(
        "== telemetry benchmark: {} events over {} days, {} tenants / {} workspaces ==",
        args.events, args.days, args.tenants, args.workspaces
    );
    println!(
        "{:<46} {:>22} {:>16} {:>6}",
        "measure", "value", "target", ""
    );
    let row = |m: &str, v: String, t: &str, ok: Option<bool>| {
        println!(
            "{m:<46} {v:>22} {t:>16} {:>6}",
            ok.map(verdict).unwrap_or("")
        );
    };
    row(
        "30d window: events / active workspaces",
        format!("{events} / {}", s.summary.active_workspaces),
        "",
        None,
    );
    row(
        "summarize 30d p50 / p99",
        format!("{p50:.2} / {p99:.2} ms"),
        "< 50 ms",
        Some(p99 < 50.0),
    );
    for (w, v) in &s.other_windows {
        row(
            &format!("summarize {} p50", w.as_str()),
            format!("{v:.2} ms"),
            "",
            None,
        );
    }
    row(
        "raw GROUP BY 30d p50, planner's plan",
        format!("{base:.1} ms"),
        "",
        None,
    );
    row(
        "  that plan",
        s.baseline_plan.chars().take(22).collect(),
        "",
        None,
    );
    row(
        "raw GROUP BY 30d p50, full (seq) scan",
        format!("{seq:.1} ms"),
        "",
        None,
    );
    row(
        "speed-up (faster raw p50 / summarize p50)",
        format!("{ratio:.0}x"),
        ">= 20x",
        Some(ratio >= 20.0),
    );
    row(
        "summarize equals raw GROUP BY",
        (if s.equal { "yes" } else { "NO" }).into(),
        "equal",
        Some(s.equal),
    );
    row(
        "expired rows loaded / deleted",
        format!("{} / {}", p.expired_loaded, p.deleted),
        "all",
        Some(p.deleted as i64 == p.expired_loaded && p.old_left == 0),
    );
    row(
        "whole expired partitions: holding rows / dropped",
        format!("{} / {}", p.expired_partitions, p.dropped_partitions),
        "all",
        Some(p.expired_partitions > 0 && p.dropped_partitions as usize == p.expired_partitions),
    );
    row(
        "rows dropped with partitions / in batches",
        format!("{} / {}", p.dropped_rows, p.batch_deleted),
        "",
        None,
    );
    row(
        "prune duration / rows per second",
        format!(
            "{:.1} s / {:.0}",
            p.prune_secs,
            p.deleted as f64 / p.prune_secs.max(f64::EPSILON)
        ),
        "",
        None,
    );
    row(
        "writer idle p50 / p99",
        format!("{:.2} / {idle99:.2} ms", percentile(&p.idle_ms, 50.0)),
        "",
        None,
    );
    row(
        "writer during prune p50 / p99",
        format!("{:.2} / {during99:.2} ms", percentile(&p.during_ms, 50.0)),
        "",
        None,
    );
    row(
        "writer during prune p90 / p99.9 / max",
        format!(
            "{:.1} / {:.1} / {:.1} ms",
            percentile(&p.during_ms, 90.0),
            percentile(&p.during_ms, 99.9),
            percentile(&p.during_ms, 100.0)
        ),
        "",
        None,
    );
    row(
        "server during prune: checkpoints / WAL",
        format!("{} / {:.0} MiB", p.server.0, p.server.1),
        "",
        None,
    );
    row(
        "writer p99 idle / during prune (PostgreSQL)",
        format!("{idle99:.2} / {during99:.2} ms"),
        "",
        None,
    );
    row(
        "writer p99 during / idle",
        format!("{:.2}x", during99 / idle99),
        "<= 1.5x",
        Some(during99 <= 1.5 * idle99),
    );
    row(
        "writer events idle / during / errors",
        format!(
            "{} / {} / {}",
            p.idle_ms.len(),
            p.during_ms.len(),
            p.writer_errors
        ),
        "0 errors",
        Some(p.writer_errors == 0),
    );
    row(
        "rollups equal the ledger after prune",
        (if p.consistent { "yes" } else { "NO" }).into(),
        "equal",
        Some(p.consistent),
    );
    println!(
        "(prune batch {} rows, pause ratio {}, writer {} events/s through the recorder)",
        args.batch_size, args.pause_ratio, args.writer_rate
    );
}
