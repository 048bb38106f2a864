//! User text inside alert labels and annotations, and inside the fields of
//! the Alertmanager configuration that Alertmanager expands as templates.
//!
//! Prometheus expands the labels and annotations of alerting rules as Go
//! templates, so a runbook URL, a Grafana URL or a label value that contains
//! `{{` would be executed, not shown (`{{ $value }}` would print the alert's value, a
//! malformed action would replace the whole text with an error). User text
//! is made literal by writing every `{{` as the action `{{ "{{" }}`, which
//! prints `{{`; nothing else in Go's template syntax is special outside an
//! action. The compiler's own templates (`{{ $value | humanizePercentage }}`
//! in descriptions) are added around user text, never through here.

/// `text` as a Go template that expands to exactly `text`.
pub fn literal(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("{{") {
        text.replace("{{", r#"{{ "{{" }}"#).into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_action_openers_change() {
        assert_eq!(
            literal("https://runbooks.example.com/a?b=c"),
            "https://runbooks.example.com/a?b=c"
        );
        assert_eq!(literal("{{ $value }}"), r#"{{ "{{" }} $value }}"#);
        assert_eq!(literal("}} { }"), "}} { }");
        assert_eq!(literal("{{{"), r#"{{ "{{" }}{"#);
    }
}
