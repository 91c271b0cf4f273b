//! The syntax tree of the supported PHP subset. Every node carries the byte
//! offset where it starts, for `file:line:col` messages and `__LINE__`.

use crate::php::Value;

/// A statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// Text outside `<?php … ?>`, echoed as is.
    Inline(Vec<u8>),
    /// `echo a, b;` (and `print`).
    Echo(Vec<Expr>),
    /// An expression evaluated for its effect.
    Expr(Expr),
    /// `if`/`elseif` branches in order, then the `else` body.
    If(Vec<(Expr, Vec<Stmt>)>, Option<Vec<Stmt>>),
    /// `foreach (subject as key => value) body`.
    Foreach {
        /// The array iterated.
        subject: Box<Expr>,
        /// Where each key goes.
        key: Option<Box<Expr>>,
        /// Where each value goes.
        value: Box<Expr>,
        /// The loop body.
        body: Vec<Stmt>,
    },
    /// `unset($a, $b['k']);`
    Unset(Vec<Expr>),
    /// `return;` or `return expr;`: ends the current file.
    Return(Option<Expr>),
}

/// An expression and the byte offset where it starts.
#[derive(Clone, Debug)]
pub struct Expr {
    /// Byte offset in the source.
    pub pos: usize,
    /// What the expression is.
    pub kind: ExprKind,
}

/// The kinds of expression.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A literal value (numbers, plain strings, magic constants).
    Lit(Value),
    /// An interpolated string: literal bytes and embedded expressions.
    Interp(Vec<Part>),
    /// `$name`.
    Var(String),
    /// `base[index]`, or `base[]` (append) when the index is absent.
    Index(Box<Expr>, Option<Box<Expr>>),
    /// `array(...)` / `[...]`.
    Array(Vec<(Option<Expr>, Expr)>),
    /// A named constant (`PHP_EOL`, `true`, …), name as written.
    Const(String),
    /// A call of a supported function; the name is lower-cased.
    Call(String, Vec<Expr>),
    /// `isset(a, b, …)`.
    Isset(Vec<Expr>),
    /// `empty(a)`.
    Empty(Box<Expr>),
    /// `!e`, `-e`, `+e`.
    Unary(UnOp, Box<Expr>),
    /// `(type) e`.
    Cast(CastKind, Box<Expr>),
    /// A binary operator (including the short-circuit ones).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `c ? a : b`.
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `lhs = rhs`, or `lhs op= rhs` when the operator is given.
    Assign(Option<BinOp>, Box<Expr>, Box<Expr>),
    /// `include`/`require` (`_once`) of a computed path.
    Include(IncludeKind, Box<Expr>),
    /// `@e`: warnings silenced.
    Silence(Box<Expr>),
    /// `print e` (echoes, gives 1).
    Print(Box<Expr>),
}

/// A piece of an interpolated string.
#[derive(Clone, Debug)]
pub enum Part {
    /// Literal bytes.
    Lit(Vec<u8>),
    /// An embedded expression, converted to string.
    Expr(Expr),
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnOp {
    /// `!`
    Not,
    /// `-`
    Neg,
    /// `+`
    Plus,
}

/// Casts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CastKind {
    /// `(string)`
    Str,
    /// `(int)`
    Int,
    /// `(bool)`
    Bool,
    /// `(float)`
    Float,
    /// `(array)`
    Array,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinOp {
    /// `.`
    Concat,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `==`
    Eq,
    /// `!=`, `<>`
    NotEq,
    /// `===`
    Identical,
    /// `!==`
    NotIdentical,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`, `and`
    And,
    /// `||`, `or`
    Or,
    /// `xor`
    Xor,
    /// `??`
    Coalesce,
    /// `?:`
    Elvis,
}

/// The four include forms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IncludeKind {
    /// `require` rather than `include`: a missing file is fatal.
    pub require: bool,
    /// `_once`: skipped when the file was already included.
    pub once: bool,
}

impl IncludeKind {
    /// The keyword, as PHP names it in messages.
    pub fn keyword(self) -> &'static str {
        match (self.require, self.once) {
            (false, false) => "include",
            (false, true) => "include_once",
            (true, false) => "require",
            (true, true) => "require_once",
        }
    }
}
