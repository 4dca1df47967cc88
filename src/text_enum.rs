//! One definition for every enum that is stored in a TEXT column or travels on the wire.
//!
//! [`text_enum!`] declares the enum once, each variant with its one spelling, and derives from
//! that spelling everything that reads or writes it: serde (API bodies, forms), `sqlx::Type`,
//! `Encode` and `Decode` (TEXT on SQLite and PostgreSQL alike), and strum's `EnumString`,
//! `IntoStaticStr`, `Display` and `EnumIter` (templates, URLs, the CLI). A stored value that
//! names no variant fails to decode: there is no silent default.

/// Declares a stored/wire enum whose variants each have one spelling:
///
/// ```text
/// text_enum!(
///     /// How urgent it is.
///     Severity { /// Low.
///                Low = "low", /// High.
///                High = "high" }
/// );
/// ```
///
/// The enum gets `as_str()` (the spelling), `parse()` (its inverse), `ALL` (every variant in declaration order),
/// `FromStr`/`Display` through strum, serde and sqlx through their derives. Extra derives can
/// follow the name in brackets: `Severity [Default] { ... }` (then mark the default variant
/// with `#[default]`). Starting with `custom_parse` leaves `parse` to be written by hand.
#[macro_export]
macro_rules! text_enum {
    // An enum whose `parse` is written by hand beside it (a lenient reader of user input, e.g.
    // trimming or ignoring case); everything else is generated as below.
    (custom_parse $(#[$meta:meta])* $name:ident $([$($extra:path),* $(,)?])? {
        $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)?
    }) => {
        $crate::text_enum!(@define $(#[$meta])* $name [$($($extra),*)?] {
            $($(#[$vmeta])* $variant = $text),+
        });
    };
    ($(#[$meta:meta])* $name:ident $([$($extra:path),* $(,)?])? {
        $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)?
    }) => {
        $crate::text_enum!(@define $(#[$meta])* $name [$($($extra),*)?] {
            $($(#[$vmeta])* $variant = $text),+
        });

        impl $name {
            /// Reads the one spelling (exact, no trimming); `None` for anything else. Stored
            /// values decode through sqlx instead, where an unknown one is an error.
            pub fn parse(value: &str) -> Option<$name> {
                <$name as ::std::str::FromStr>::from_str(value).ok()
            }
        }
    };
    (@define $(#[$meta:meta])* $name:ident [$($extra:path),*] {
        $($(#[$vmeta:meta])* $variant:ident = $text:tt),+
    }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            ::serde::Serialize, ::serde::Deserialize,
            ::sqlx::Type,
            ::strum::EnumString, ::strum::IntoStaticStr, ::strum::Display, ::strum::EnumIter
            $(, $extra)*
        )]
        #[sqlx(type_name = "TEXT")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $text)]
                #[sqlx(rename = $text)]
                #[strum(serialize = $text)]
                $variant
            ),+
        }

        impl $name {
            /// Every value, in declaration (display) order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The one spelling: stored, on the wire, in URLs and templates.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        /// Compares with a spelling, so a check reads `status == "queued"`.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    crate::text_enum!(
        /// A sample.
        Sample {
            /// One.
            One = "one",
            /// Dotted.
            Dotted = "run.dotted",
        }
    );

    #[test]
    fn every_form_uses_the_one_spelling() {
        assert_eq!(Sample::Dotted.as_str(), "run.dotted");
        assert_eq!(Sample::Dotted.to_string(), "run.dotted");
        assert_eq!(Sample::from_str("run.dotted"), Ok(Sample::Dotted));
        assert!(Sample::from_str("Dotted").is_err());
        assert_eq!(
            serde_json::to_string(&Sample::One).ok().as_deref(),
            Some("\"one\"")
        );
        assert_eq!(
            serde_json::from_str::<Sample>("\"run.dotted\"").ok(),
            Some(Sample::Dotted)
        );
        assert!(serde_json::from_str::<Sample>("\"two\"").is_err());
        assert_eq!(Sample::ALL, [Sample::One, Sample::Dotted]);
    }
}
