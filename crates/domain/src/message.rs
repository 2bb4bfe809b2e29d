//! Messages for people, independent of language: a message id the interface translates
//! and its arguments. Validators keep a Chinese `Display` for logs and the command line;
//! `Explain` lets every interface language say the same thing.

/// One argument of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as written (a character, a code, a date).
    Text(String),
    /// A count or a position.
    Number(usize),
    /// The id of another message, translated first (a document's or a role's name).
    Label(String),
}

/// A message id and its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(id: &'static str) -> Self {
        Message {
            id,
            args: Vec::new(),
        }
    }

    pub fn text(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    pub fn number(mut self, name: &'static str, value: usize) -> Self {
        self.args.push((name, Arg::Number(value)));
        self
    }

    pub fn label(mut self, name: &'static str, id: impl Into<String>) -> Self {
        self.args.push((name, Arg::Label(id.into())));
        self
    }
}

/// An error a person can act on, said in any language.
pub trait Explain {
    fn explain(&self) -> Message;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_keep_their_order_and_kind() {
        let m = Message::new("invalid-document-empty")
            .label("document", "document-kind-passport")
            .number("position", 3)
            .text("found", '＃');
        assert_eq!(m.id, "invalid-document-empty");
        assert_eq!(
            m.args,
            vec![
                ("document", Arg::Label("document-kind-passport".into())),
                ("position", Arg::Number(3)),
                ("found", Arg::Text("＃".into())),
            ]
        );
    }
}
