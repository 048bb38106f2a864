//! Diagnostics that several checks report alike, each built in one place so
//! that they read the same wherever they come from: a name defined twice or
//! a key set twice, an unknown kind of SLI or receiver, a key an item must
//! have, and a duration that is not a whole number of seconds.

use crate::diag::{suggest, Code, Diag, Span};
use crate::num::Duration;

/// What was given twice; it decides the code and the wording.
pub enum Repeated<'a> {
    /// A name that must be unique among items of one kind (`policy`,
    /// `service`, `SLI`, `SLO`).
    Name {
        /// The kind of item, as the message names it.
        what: &'a str,
        /// The name.
        name: &'a str,
    },
    /// A key of one block, as the message names it: `` `team` `` or
    /// ``label `tier` ``.
    Key(String),
    /// Something Alertmanager's configuration has once: a receiver of a
    /// name, a `notify` block per scope. `message` says which; `help` how to
    /// keep one.
    Routing {
        /// The title.
        message: String,
        /// What to do.
        help: &'a str,
    },
}

/// The diagnostic at `span`, the second of two, with `first` as the
/// secondary label.
pub fn twice(repeated: Repeated, span: Span, first: Span) -> Diag {
    let (code, message, label, verb, help) = match repeated {
        Repeated::Name { what, name } => (
            Code::Duplicate,
            format!("{what} `{name}` is defined twice"),
            format!("second {what} `{name}`"),
            "defined",
            format!("{what} names must be unique; rename or remove one"),
        ),
        Repeated::Key(key) => (
            Code::DuplicateKey,
            format!("{key} is set twice"),
            "set again here".to_string(),
            "set",
            "remove one of them".to_string(),
        ),
        Repeated::Routing { message, help } => (
            Code::DuplicateNotify,
            message,
            "defined again here".to_string(),
            "defined",
            help.to_string(),
        ),
    };
    Diag::new(code, span, message)
        .label(label)
        .secondary(first, format!("first {verb} here"))
        .help(help)
}

/// The items whose kind is a word from a fixed list.
#[derive(Debug, Clone, Copy)]
pub enum KindOf {
    /// `sli name = ratio { … }`.
    Sli,
    /// `receiver name = slack { … }`.
    Receiver,
}

/// An unknown kind of SLI or receiver, written as `written` at `span`, with
/// the closest of the `known` kinds or a list of them.
pub fn unknown_kind<'k>(
    of: KindOf,
    written: &str,
    span: Span,
    known: impl IntoIterator<Item = &'k str>,
) -> Diag {
    let known: Vec<&str> = known.into_iter().collect();
    let (code, what, a) = match of {
        KindOf::Sli => (Code::UnknownKind, "SLI", "an"),
        KindOf::Receiver => (Code::UnknownReceiverKind, "receiver", "a"),
    };
    Diag::new(code, span, format!("unknown {what} kind `{written}`"))
        .label(format!("not {a} {what} kind"))
        .help(suggest::did_you_mean(
            written,
            known.iter().copied(),
            &format!("{what} kind"),
        ))
        .fix(suggest::closest(written, known))
}

/// `SLO104`: the item `what` named `name` (at `at`) lacks `key`; `example`
/// is the setting to add, e.g. `` `target = 99.9%` ``.
pub fn missing_key(what: &str, name: &str, at: Span, key: &str, example: &str) -> Diag {
    Diag::new(
        Code::MissingKey,
        at,
        format!("{what} `{name}` has no `{key}`"),
    )
    .label(format!("`{key}` missing"))
    .help(format!("add {example}"))
}

/// `SLO202` unless `d` is a whole, non-zero number of seconds: the only
/// durations Prometheus takes for a range or a retention. `what` names the
/// setting in the message (`long window`, `retention`), `zero` is the label
/// of a zero and `help` what to write instead. Says whether `d` is usable.
pub fn whole_seconds(
    d: Duration,
    span: Span,
    (what, zero, help): (&str, &str, &str),
    diags: &mut Vec<Diag>,
) -> bool {
    if d.0 != 0 && d.0.is_multiple_of(Duration::SECOND) {
        return true;
    }
    diags.push(
        Diag::new(
            Code::InvalidWindow,
            span,
            format!("{what} `{d}` cannot be used"),
        )
        .label(if d.0 == 0 {
            zero
        } else {
            "not a whole number of seconds"
        })
        .help(help),
    );
    false
}

#[cfg(test)]
mod tests {
    use crate::diag::{Code, Diag, Sources};

    fn diags(text: &str) -> Vec<Diag> {
        let mut sources = Sources::new();
        sources.add("t.slo", text);
        crate::check(&sources).diags
    }

    fn find(diags: &[Diag], code: Code) -> &Diag {
        diags
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("no {code:?} in {diags:#?}"))
    }

    #[test]
    fn a_label_set_twice_reads_like_a_key_set_twice() {
        let found = diags("service s {\n  labels {\n    tier = \"a\"\n    tier = \"b\"\n  }\n}\n");
        let d = find(&found, Code::DuplicateKey);
        assert_eq!(d.message, "label `tier` is set twice");
        assert_eq!(d.primary.message, "set again here");
        assert_eq!(
            d.secondary.first().map(|l| l.message.as_str()),
            Some("first set here")
        );
        assert_eq!(d.help.as_deref(), Some("remove one of them"));
    }

    #[test]
    fn an_unknown_sli_kind_suggests_the_closest() {
        let found = diags("service s {\n  sli r = latncy {\n  }\n}\n");
        let d = find(&found, Code::UnknownKind);
        assert_eq!(d.message, "unknown SLI kind `latncy`");
        assert_eq!(d.primary.message, "not an SLI kind");
        assert_eq!(d.help.as_deref(), Some("did you mean `latency`?"));
    }
}
