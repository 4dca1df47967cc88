//! German and English text through Fluent. Bundles are built once from files embedded in the
//! binary; a page asks a [`Tr`] bound to the request's language for each message.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use std::borrow::Borrow;
use std::sync::LazyLock;
use unic_langid::LanguageIdentifier;

crate::text_enum!(
    /// A language we ship text for; its spelling is the BCP 47 tag (`<html lang>`, storage).
    Locale [utoipa::ToSchema] {
        /// English (default).
        En = "en",
        /// German.
        De = "de",
    }
);

impl Locale {
    /// Best supported language from an `Accept-Language` header; English when nothing matches.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(locale) = Locale::parse(primary)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Locale::En)
    }
}

/// One Fluent file per feature area, so areas can grow their text independently.
macro_rules! ftl_files {
    ($lang:literal) => {
        &[
            include_str!(concat!("../locales/", $lang, "/main.ftl")),
            include_str!(concat!("../locales/", $lang, "/operations.ftl")),
            include_str!(concat!("../locales/", $lang, "/onboarding.ftl")),
            include_str!(concat!("../locales/", $lang, "/help.ftl")),
            include_str!(concat!("../locales/", $lang, "/diagnostics.ftl")),
            include_str!(concat!("../locales/", $lang, "/support.ftl")),
            include_str!(concat!("../locales/", $lang, "/support_history.ftl")),
            include_str!(concat!("../locales/", $lang, "/system.ftl")),
            include_str!(concat!("../locales/", $lang, "/tokens.ftl")),
            include_str!(concat!("../locales/", $lang, "/consent.ftl")),
            include_str!(concat!("../locales/", $lang, "/fleet.ftl")),
            include_str!(concat!("../locales/", $lang, "/dashboard.ftl")),
            include_str!(concat!("../locales/", $lang, "/runs.ftl")),
            include_str!(concat!("../locales/", $lang, "/audit.ftl")),
            include_str!(concat!("../locales/", $lang, "/members.ftl")),
            include_str!(concat!("../locales/", $lang, "/mail.ftl")),
        ]
    };
}

const EN_FTL: &[&str] = ftl_files!("en");
const DE_FTL: &[&str] = ftl_files!("de");

/// Both bundles.
pub struct Catalog {
    en: FluentBundle<FluentResource>,
    de: FluentBundle<FluentResource>,
}

fn bundle(tag: &str, sources: &[&str]) -> FluentBundle<FluentResource> {
    let lang: LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    bundle.set_use_isolating(false);
    for source in sources {
        add_source(&mut bundle, tag, source);
    }
    bundle
}

fn add_source(bundle: &mut FluentBundle<FluentResource>, tag: &str, source: &str) {
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(res, errors)| {
        tracing::error!(
            ?errors,
            tag,
            "fluent syntax errors; affected messages fall back"
        );
        res
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, tag, "duplicate fluent messages");
    }
}

/// The process-wide catalog.
pub static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog {
    en: bundle("en", EN_FTL),
    de: bundle("de", DE_FTL),
});

impl Catalog {
    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        match locale {
            Locale::En => &self.en,
            Locale::De => &self.de,
        }
    }

    /// Message ids defined for `locale` (tests check both languages define the same set).
    pub fn ids(locale: Locale) -> Vec<String> {
        let source = match locale {
            Locale::En => EN_FTL,
            Locale::De => DE_FTL,
        };
        source
            .iter()
            .flat_map(|s| s.lines())
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_string()))
            .collect()
    }

    /// Whether English defines `id` (every id must also exist in German; a test checks).
    pub fn has(&self, id: &str) -> bool {
        self.en.has_message(id)
    }

    /// Formats `id` in `locale`, falling back to English, then to a neutral placeholder.
    pub fn format(&self, locale: Locale, id: &str, args: Option<&FluentArgs>) -> String {
        for l in [locale, Locale::En] {
            let bundle = self.bundle(l);
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned();
            }
        }
        tracing::warn!(id, "missing translation");
        "…".to_string()
    }
}

/// A moment to show: a `DateTime<Utc>` or a reference to one, however deep (templates pass
/// their fields by reference).
pub trait Moment {
    /// The moment itself.
    fn moment(&self) -> DateTime<Utc>;
}

impl Moment for DateTime<Utc> {
    fn moment(&self) -> DateTime<Utc> {
        *self
    }
}

impl<T: Moment + ?Sized> Moment for &T {
    fn moment(&self) -> DateTime<Utc> {
        (**self).moment()
    }
}

/// Translator bound to one request's language; templates call [`Tr::t`].
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Locale);

impl Tr {
    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        CATALOG.format(self.0, id, None)
    }

    /// The message `id` with one named argument.
    pub fn t1(&self, id: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        CATALOG.format(self.0, id, Some(&args))
    }

    /// The message `id` with several named arguments.
    pub fn with(&self, id: &str, named: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in named {
            args.set(*name, FluentValue::from(value.to_string()));
        }
        CATALOG.format(self.0, id, Some(&args))
    }

    /// The request's language tag.
    pub fn lang(&self) -> &'static str {
        self.0.as_str()
    }

    /// How long before `now` something happened, in words: "3 hours ago" / "vor 3 Stunden",
    /// "never" / "nie" without a time. Minutes under an hour, hours under a day, then days; a
    /// time in the future (a clock running ahead) reads as "just now".
    pub fn relative(&self, then: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
        let Some(then) = then else {
            return self.t("time-never");
        };
        let elapsed = now - then;
        let (id, n) = if elapsed < Duration::minutes(1) {
            return self.t("time-just-now");
        } else if elapsed < Duration::hours(1) {
            ("time-minutes-ago", elapsed.num_minutes())
        } else if elapsed < Duration::days(1) {
            ("time-hours-ago", elapsed.num_hours())
        } else {
            ("time-days-ago", elapsed.num_days())
        };
        self.n(id, n)
    }

    /// The message `id` with the number `$n`, so its plural variants (`[one]`) apply.
    pub fn n(&self, id: &str, n: i64) -> String {
        let mut args = FluentArgs::new();
        args.set("n", FluentValue::from(n));
        CATALOG.format(self.0, id, Some(&args))
    }

    /// `at` as the language writes a date and time, in UTC named as such (no user time zone is
    /// known). The one place pages format a moment; templates pass a value or a reference.
    pub fn datetime(&self, at: impl Moment) -> String {
        let at = at.moment();
        match self.0 {
            Locale::En => at.format("%Y-%m-%d %H:%M UTC").to_string(),
            Locale::De => at.format("%d.%m.%Y, %H:%M UTC").to_string(),
        }
    }

    /// `day` as the language writes a date.
    pub fn date(&self, day: NaiveDate) -> String {
        match self.0 {
            Locale::En => day.format("%Y-%m-%d").to_string(),
            Locale::De => day.format("%d.%m.%Y").to_string(),
        }
    }

    fn separators(&self) -> (char, char) {
        match self.0 {
            Locale::En => (',', '.'),
            Locale::De => ('.', ','),
        }
    }

    /// A whole number with digit groups of three: `1,234` in English, `1.234` in German.
    pub fn number(&self, n: i64) -> String {
        let (group, _) = self.separators();
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(group);
            }
            out.push(c);
        }
        out
    }

    /// `x` rounded to `places` decimals with the language's decimal mark (German comma) and
    /// digit groups: `1,234.5` / `1.234,5`. Not finite numbers read as "–".
    pub fn decimal(&self, x: f64, places: usize) -> String {
        if !x.is_finite() {
            return "–".to_string();
        }
        let (_, mark) = self.separators();
        let fixed = format!("{:.*}", places, x.abs());
        let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let negative = x < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0');
        let whole: i64 = whole.parse().unwrap_or(0);
        let mut out = self.number(whole);
        if negative {
            out.insert(0, '-');
        }
        if !fraction.is_empty() {
            out.push(mark);
            out.push_str(fraction);
        }
        out
    }

    /// A size in bytes, in B under a KiB, else KB or MB (binary multiples) with one decimal.
    pub fn size(&self, bytes: impl Borrow<i64>) -> String {
        const KIB: f64 = 1024.0;
        let bytes = *bytes.borrow();
        let b = bytes as f64;
        if b.abs() < KIB {
            format!("{} B", self.number(bytes))
        } else if b.abs() < KIB * KIB {
            format!("{} KB", self.decimal(b / KIB, 1))
        } else {
            format!("{} MB", self.decimal(b / (KIB * KIB), 1))
        }
    }

    /// A whole percentage, with the space German and English typography both put before `%`.
    pub fn percent(&self, p: i64) -> String {
        format!("{} %", self.number(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_time_reads_in_both_languages() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("fixed time");
        let cases = [
            (None, "never", "nie"),
            (Some(now), "just now", "gerade eben"),
            (Some(now + Duration::minutes(5)), "just now", "gerade eben"),
            (Some(now - Duration::seconds(59)), "just now", "gerade eben"),
            (
                Some(now - Duration::minutes(1)),
                "1 minute ago",
                "vor 1 Minute",
            ),
            (
                Some(now - Duration::minutes(42)),
                "42 minutes ago",
                "vor 42 Minuten",
            ),
            (
                Some(now - Duration::minutes(60)),
                "1 hour ago",
                "vor 1 Stunde",
            ),
            (
                Some(now - Duration::hours(3)),
                "3 hours ago",
                "vor 3 Stunden",
            ),
            (
                Some(now - Duration::hours(23)),
                "23 hours ago",
                "vor 23 Stunden",
            ),
            (Some(now - Duration::hours(24)), "1 day ago", "vor 1 Tag"),
            (Some(now - Duration::days(3)), "3 days ago", "vor 3 Tagen"),
        ];
        for (then, en, de) in cases {
            assert_eq!(Tr(Locale::En).relative(then, now), en, "{then:?}");
            assert_eq!(Tr(Locale::De).relative(then, now), de, "{then:?}");
        }
        assert_eq!(Tr(Locale::En).datetime(now), "2026-11-23 09:00 UTC");
        assert_eq!(Tr(Locale::De).datetime(now), "23.11.2026, 09:00 UTC");
        assert_eq!(Tr(Locale::En).n("fleet-count", 1), "1 tenant");
        assert_eq!(Tr(Locale::De).n("fleet-count", 2), "2 Mandanten");
    }

    #[test]
    fn dates_and_numbers_follow_the_language() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T14:05:59Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("fixed time");
        let (en, de) = (Tr(Locale::En), Tr(Locale::De));
        assert_eq!(de.datetime(at), "01.12.2026, 14:05 UTC");
        assert_eq!(en.datetime(at), "2026-12-01 14:05 UTC");
        assert_eq!(de.date(at.date_naive()), "01.12.2026");
        assert_eq!(en.date(at.date_naive()), "2026-12-01");
        for (n, e, d) in [
            (0, "0", "0"),
            (999, "999", "999"),
            (1234, "1,234", "1.234"),
            (-1234567, "-1,234,567", "-1.234.567"),
            (
                i64::MIN,
                "-9,223,372,036,854,775,808",
                "-9.223.372.036.854.775.808",
            ),
        ] {
            assert_eq!(en.number(n), e);
            assert_eq!(de.number(n), d);
        }
        for (x, places, e, d) in [
            (1234.56, 1, "1,234.6", "1.234,6"),
            (0.5, 2, "0.50", "0,50"),
            (-2.26, 1, "-2.3", "-2,3"),
            (-0.01, 1, "0.0", "0,0"),
            (3.0, 0, "3", "3"),
            (f64::NAN, 1, "–", "–"),
        ] {
            assert_eq!(en.decimal(x, places), e, "{x}");
            assert_eq!(de.decimal(x, places), d, "{x}");
        }
        assert_eq!(de.size(512), "512 B");
        assert_eq!(de.size(1536), "1,5 KB");
        assert_eq!(en.size(1536), "1.5 KB");
        assert_eq!(de.size(5 * 1024 * 1024 + 104_858), "5,1 MB");
        assert_eq!(de.percent(97), "97 %");
    }

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Locale::from_accept_language("de-DE,de;q=0.9,en;q=0.8"),
            Locale::De
        );
        assert_eq!(
            Locale::from_accept_language("fr-FR,en;q=0.5,de;q=0.7"),
            Locale::De
        );
        assert_eq!(Locale::from_accept_language("fr"), Locale::En);
        assert_eq!(Locale::from_accept_language(""), Locale::En);
        assert_eq!(Locale::from_accept_language("de;q=0"), Locale::En);
    }

    #[test]
    fn both_languages_define_the_same_messages() {
        let mut en = Catalog::ids(Locale::En);
        let mut de = Catalog::ids(Locale::De);
        en.sort();
        de.sort();
        assert!(!en.is_empty());
        let missing_de: Vec<_> = en.iter().filter(|id| !de.contains(id)).collect();
        let missing_en: Vec<_> = de.iter().filter(|id| !en.contains(id)).collect();
        assert!(missing_de.is_empty(), "missing in de: {missing_de:?}");
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        for id in &en {
            for locale in Locale::ALL {
                let text = CATALOG.format(locale, id, None);
                assert!(!text.is_empty() && text != "…", "{id} empty in {locale:?}");
            }
        }
    }

    #[test]
    fn german_differs_from_english() {
        assert_ne!(
            Tr(Locale::De).t("nav-tenants"),
            Tr(Locale::En).t("nav-tenants")
        );
        assert_eq!(Tr(Locale::En).t("no-such-message"), "…");
    }
}
