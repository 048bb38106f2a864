//! Why an item does not parse: what the parser expected where it failed,
//! and the mistakes it recognises where they are made.

/// What a rule expected where it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expected {
    /// Punctuation, as written: `=`, `{`, `}`, `]`, `,`, `/`, `"`, a backtick.
    Token(&'static str),
    /// A keyword: `over`, `for`.
    Keyword(&'static str),
    /// A top-level item.
    Item,
    /// An entry of a service block.
    ServiceEntry,
    /// An entry of an `slo` block.
    SloEntry,
    /// A setting of a block.
    Setting,
    /// A line of a policy.
    PolicyLine,
    /// The scope of `notify`.
    NotifyScope,
    /// A name.
    Name,
    /// A value after `=`.
    Value,
    /// A burn rate.
    Burn,
    /// A duration.
    Duration,
}

/// A mistake recognised where it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decisive {
    /// A word right after a number on the same line, with no `=` after it:
    /// a unit or a suffix that the number does not take.
    AfterNumber {
        /// Where the number starts.
        number: usize,
        /// Where the word starts.
        word: usize,
    },
    /// An item keyword at the start of a line inside a block.
    Unclosed {
        /// The `{`.
        open: usize,
        /// The keyword.
        at: usize,
    },
}

/// Why an item does not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failure {
    /// The farthest position reached.
    pub at: usize,
    /// What was expected there, sorted, without repeats.
    pub expected: Vec<Expected>,
    /// The innermost `{` open when the farthest position was reached.
    pub open: Option<usize>,
    /// A mistake found on the way, which explains the failure better.
    pub decisive: Option<Decisive>,
}
