//! The pest binding of `grammar/alias.pest` and the builder that turns its parse
//! tree into the [`ast`](super::ast). Constructs outside the supported subset are
//! refused here, before any evaluation, so a file is either run natively from
//! start to end or handed to the fallback untouched.

use super::ast::{BinOp, CastKind, Expr, ExprKind, IncludeKind, Part, Stmt, UnOp};
use super::builtins;
use super::strings::{parse_interpolated, unescape_single};
use crate::php::Value;
use pest::error::{Error, ErrorVariant};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The pest parser generated from `grammar/alias.pest`, and its rules (one per
/// grammar rule; their human names are in [`rule_name`]).
#[allow(missing_docs)]
mod generated {
    /// The pest parser for alias files.
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/alias.pest"]
    pub struct AliasParser;
}

pub use generated::{AliasParser, Rule};

/// Deepest bracket or prefix-operator nesting accepted (guards the recursive parser).
const MAX_NESTING: usize = 200;

/// Most operators on one path of an expression tree (guards the recursive evaluator).
const MAX_CHAIN: usize = 1000;

/// Why a file could not be turned into a tree.
#[derive(Debug)]
pub enum ParseError {
    /// Not valid PHP (as far as the grammar knows).
    Syntax(Box<Error<Rule>>),
    /// Valid PHP outside the supported subset.
    Unsupported {
        /// Byte offset of the construct.
        pos: usize,
        /// What it is.
        what: String,
    },
}

/// A source file as text for pest, plus what is needed to map back to bytes.
pub struct Source {
    /// The text: the file itself when it is UTF-8, else its bytes read as Latin-1.
    pub text: String,
    latin1: bool,
    /// The file's absolute path (`__FILE__`).
    pub path: PathBuf,
    line_starts: Vec<usize>,
    /// Compile-time warnings PHP prints before running the file: (offset, message).
    compile_warnings: RefCell<Vec<(usize, String)>>,
}

impl Source {
    /// Wraps the bytes of the file at `path` (already absolute).
    pub fn new(bytes: &[u8], path: &Path) -> Source {
        let (text, latin1) = match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), false),
            Err(_) => (bytes.iter().map(|&b| b as char).collect(), true),
        };
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            text,
            latin1,
            path: path.to_path_buf(),
            line_starts,
            compile_warnings: RefCell::new(Vec::new()),
        }
    }

    /// The original bytes of a piece of [`Source::text`].
    pub fn bytes(&self, s: &str) -> Vec<u8> {
        if self.latin1 {
            s.chars().map(|c| c as u32 as u8).collect()
        } else {
            s.as_bytes().to_vec()
        }
    }

    /// Turns bytes produced by [`Source::bytes`] back into parser text.
    pub fn text_of(&self, b: &[u8]) -> String {
        if self.latin1 {
            b.iter().map(|&c| c as char).collect()
        } else {
            String::from_utf8_lossy(b).into_owned()
        }
    }

    /// 1-based line and column (in characters) of a byte offset of the text.
    pub fn line_col(&self, pos: usize) -> (usize, usize) {
        let pos = pos.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= pos);
        let start = self.line_starts[line - 1];
        let col = self
            .text
            .get(start..pos)
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// Records a compile-time warning at `pos`.
    pub fn compile_warning(&self, pos: usize, message: String) {
        self.compile_warnings.borrow_mut().push((pos, message));
    }

    /// The compile-time warnings recorded while parsing, in order.
    pub fn take_compile_warnings(&self) -> Vec<(usize, String)> {
        self.compile_warnings.take()
    }

    /// A syntax error at `pos` with a custom message.
    pub fn custom_error(&self, pos: usize, message: &str) -> ParseError {
        let position = pest::Position::new(&self.text, pos.min(self.text.len()))
            .or_else(|| pest::Position::new(&self.text, 0))
            .expect("offset 0 is always valid");
        ParseError::Syntax(Box::new(Error::new_from_pos(
            ErrorVariant::CustomError {
                message: message.to_string(),
            },
            position,
        )))
    }
}

/// Parses a whole file into statements.
pub fn parse(src: &Source) -> Result<Vec<Stmt>, ParseError> {
    check_nesting(&src.text)?;
    let mut pairs = AliasParser::parse(Rule::file, &src.text)
        .map_err(|e| ParseError::Syntax(Box::new(dedupe_expected(e, &src.text))))?;
    let file = pairs.next().expect("file rule");
    let builder = Builder {
        src,
        base: 0,
        chain: Cell::new(0),
    };
    let mut out = Vec::new();
    for pair in file.into_inner() {
        builder.top_level(pair, &mut out)?;
    }
    Ok(out)
}

/// Parses the expression inside `{$…}` of an interpolated string; `base` is the
/// byte offset of `text` in the file.
pub fn parse_embedded(src: &Source, text: &str, base: usize) -> Result<Expr, ParseError> {
    check_nesting(text)?;
    let mut pairs =
        AliasParser::parse(Rule::embedded, text).map_err(|_| ParseError::Unsupported {
            pos: base,
            what: "complex expression in string".into(),
        })?;
    let inner = pairs.next().expect("embedded rule").into_inner().next();
    let builder = Builder {
        src,
        base,
        chain: Cell::new(0),
    };
    builder.expr(inner.expect("embedded has an expression"))
}

/// Refuses input whose brackets nest so deeply that the recursive parser and
/// evaluator could overflow the stack.
fn check_nesting(text: &str) -> Result<(), ParseError> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > MAX_NESTING {
            return Err(ParseError::Unsupported {
                pos: i,
                what: format!("nesting deeper than {MAX_NESTING} levels"),
            });
        }
    }
    Ok(())
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        use Assoc::{Left, Right};
        PrattParser::new()
            .op(Op::infix(Rule::op_wor, Left))
            .op(Op::infix(Rule::op_wxor, Left))
            .op(Op::infix(Rule::op_wand, Left))
            .op(Op::prefix(Rule::op_include) | Op::prefix(Rule::op_print))
            .op(Op::infix(Rule::op_assign, Right))
            .op(Op::infix(Rule::op_ternary, Left) | Op::infix(Rule::op_elvis, Left))
            .op(Op::infix(Rule::op_coalesce, Right))
            .op(Op::infix(Rule::op_lor, Left))
            .op(Op::infix(Rule::op_land, Left))
            .op(Op::infix(Rule::op_bor, Left))
            .op(Op::infix(Rule::op_bxor, Left))
            .op(Op::infix(Rule::op_band, Left))
            .op(Op::infix(Rule::op_identical, Left) | Op::infix(Rule::op_equal, Left))
            .op(Op::infix(Rule::op_cmp, Left))
            .op(Op::infix(Rule::op_concat, Left))
            .op(Op::infix(Rule::op_shift, Left))
            .op(Op::infix(Rule::op_add, Left) | Op::infix(Rule::op_sub, Left))
            .op(Op::infix(Rule::op_mul, Left))
            .op(Op::prefix(Rule::op_not))
            .op(Op::infix(Rule::op_instanceof, Left))
            .op(Op::prefix(Rule::op_neg)
                | Op::prefix(Rule::op_plus)
                | Op::prefix(Rule::op_bitnot)
                | Op::prefix(Rule::cast)
                | Op::prefix(Rule::op_silence)
                | Op::prefix(Rule::op_ref)
                | Op::prefix(Rule::op_incdec_pre)
                | Op::prefix(Rule::op_clone))
            .op(Op::infix(Rule::op_pow, Right))
            .op(Op::postfix(Rule::index)
                | Op::postfix(Rule::prop)
                | Op::postfix(Rule::static_access)
                | Op::postfix(Rule::call_args)
                | Op::postfix(Rule::op_incdec_post))
    })
}

type Built<T> = Result<T, ParseError>;

/// Builds tree nodes from pest pairs; `base` shifts offsets of embedded parses.
struct Builder<'s> {
    src: &'s Source,
    base: usize,
    /// Operator nodes on the current path of nested expressions (bounds tree depth).
    chain: Cell<usize>,
}

fn unsupported<T>(pos: usize, what: impl Into<String>) -> Built<T> {
    Err(ParseError::Unsupported {
        pos,
        what: what.into(),
    })
}

impl Builder<'_> {
    fn pos(&self, pair: &Pair<Rule>) -> usize {
        self.base + pair.as_span().start()
    }

    fn top_level(&self, pair: Pair<Rule>, out: &mut Vec<Stmt>) -> Built<()> {
        match pair.as_rule() {
            Rule::inline_html => out.push(Stmt::Inline(self.src.bytes(pair.as_str()))),
            Rule::php_code => {
                for stmt in pair.into_inner() {
                    self.stmt(stmt, out)?;
                }
            }
            Rule::final_close => self.inline_text(pair, out),
            _ => {}
        }
        Ok(())
    }

    fn inline_text(&self, pair: Pair<Rule>, out: &mut Vec<Stmt>) {
        for p in pair.into_inner() {
            if p.as_rule() == Rule::inline_html {
                out.push(Stmt::Inline(self.src.bytes(p.as_str())));
            }
        }
    }

    fn body(&self, pair: Pair<Rule>) -> Built<Vec<Stmt>> {
        let mut out = Vec::new();
        self.stmt(pair, &mut out)?;
        Ok(out)
    }

    fn alt_body(&self, pair: Pair<Rule>) -> Built<Vec<Stmt>> {
        let mut out = Vec::new();
        for p in pair.into_inner() {
            self.stmt(p, &mut out)?;
        }
        Ok(out)
    }

    fn stmt(&self, pair: Pair<Rule>, out: &mut Vec<Stmt>) -> Built<()> {
        let pos = self.pos(&pair);
        match pair.as_rule() {
            Rule::inline_stmt => self.inline_text(pair, out),
            Rule::block | Rule::alt_body => {
                for p in pair.into_inner() {
                    self.stmt(p, out)?;
                }
            }
            Rule::empty_stmt => {}
            Rule::expr_stmt => out.push(Stmt::Expr(self.first_expr(pair)?)),
            Rule::echo_stmt => out.push(Stmt::Echo(self.exprs(pair.into_inner())?)),
            Rule::unset_stmt => out.push(self.unset(pair)?),
            Rule::return_stmt => {
                let e = pair.into_inner().find(|p| p.as_rule() == Rule::expr);
                out.push(Stmt::Return(e.map(|e| self.expr(e)).transpose()?));
            }
            Rule::if_stmt | Rule::if_alt => out.push(self.if_stmt(pair)?),
            Rule::foreach_stmt | Rule::foreach_alt => out.push(self.foreach(pair)?),
            Rule::func_decl => return unsupported(pos, "function declaration"),
            Rule::class_decl => return unsupported(pos, "class declaration"),
            Rule::loop_stmt | Rule::try_stmt | Rule::other_stmt => {
                let kw = pair
                    .into_inner()
                    .next()
                    .map_or(String::new(), |k| k.as_str().to_ascii_lowercase());
                return unsupported(pos, format!("{kw} statement"));
            }
            _ => return unsupported(pos, format!("{:?}", pair.as_rule())),
        }
        Ok(())
    }

    fn first_expr(&self, pair: Pair<Rule>) -> Built<Expr> {
        let e = pair.into_inner().find(|p| p.as_rule() == Rule::expr);
        self.expr(e.expect("statement has an expression"))
    }

    fn exprs(&self, pairs: Pairs<Rule>) -> Built<Vec<Expr>> {
        pairs
            .filter(|p| p.as_rule() == Rule::expr)
            .map(|p| self.expr(p))
            .collect()
    }

    fn unset(&self, pair: Pair<Rule>) -> Built<Stmt> {
        let targets = self.exprs(pair.into_inner())?;
        for t in &targets {
            if !is_lvalue(t) {
                return unsupported(t.pos, "unset of a non-variable");
            }
        }
        Ok(Stmt::Unset(targets))
    }

    fn if_stmt(&self, pair: Pair<Rule>) -> Built<Stmt> {
        let mut branches = Vec::new();
        let mut otherwise = None;
        let mut cond = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_if | Rule::kw_endif => {}
                Rule::expr if cond.is_none() => cond = Some(self.expr(p)?),
                Rule::elseif | Rule::elseif_alt => {
                    let mut inner = p.into_inner().skip(1);
                    let c = self.expr(inner.next().expect("elseif condition"))?;
                    let b = self.branch_body(inner.next().expect("elseif body"))?;
                    branches.push((c, b));
                }
                Rule::else_part | Rule::else_alt => {
                    let b = p.into_inner().nth(1).expect("else body");
                    otherwise = Some(self.branch_body(b)?);
                }
                _ => {
                    let c = cond.take().expect("if condition first");
                    branches.insert(0, (c, self.branch_body(p)?));
                }
            }
        }
        Ok(Stmt::If(branches, otherwise))
    }

    fn branch_body(&self, pair: Pair<Rule>) -> Built<Vec<Stmt>> {
        if pair.as_rule() == Rule::alt_body {
            self.alt_body(pair)
        } else {
            self.body(pair)
        }
    }

    fn foreach(&self, pair: Pair<Rule>) -> Built<Stmt> {
        let mut inner = pair.into_inner().filter(|p| {
            !matches!(
                p.as_rule(),
                Rule::kw_foreach | Rule::kw_as | Rule::kw_endforeach
            )
        });
        let subject = self.expr(inner.next().expect("foreach subject"))?;
        let target = inner.next().expect("foreach target");
        let mut parts = Vec::new();
        for p in target.into_inner() {
            if p.as_rule() == Rule::by_ref {
                return unsupported(self.pos(&p), "foreach by reference");
            }
            let e = self.expr(p)?;
            if !is_lvalue(&e) {
                return unsupported(e.pos, "foreach target that is not a variable");
            }
            parts.push(e);
        }
        let value = parts.pop().expect("foreach value");
        let key = parts.pop();
        let body = self.branch_body(inner.next().expect("foreach body"))?;
        Ok(Stmt::Foreach {
            subject: Box::new(subject),
            key: key.map(Box::new),
            value: Box::new(value),
            body,
        })
    }

    /// Builds an expression with the precedence table.
    fn expr(&self, pair: Pair<Rule>) -> Built<Expr> {
        self.check_runs(&pair)?;
        let before = self.chain.get();
        let built = pratt()
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, rhs| self.grow(&op)?.prefix(op, rhs?))
            .map_infix(|lhs, op, rhs| self.grow(&op)?.infix(lhs?, op, rhs?))
            .map_postfix(|lhs, op| self.grow(&op)?.postfix(lhs?, op))
            .parse(pair.into_inner());
        self.chain.set(before);
        built
    }

    /// Refuses long runs of prefix operators (`(int)(int)…`) and long chains of
    /// right-associative ones (`$a = $b = …`, `??`), which the precedence
    /// parser handles recursively.
    fn check_runs(&self, pair: &Pair<Rule>) -> Built<()> {
        let (mut prefixes, mut right) = (0, 0);
        for p in pair.clone().into_inner() {
            let rule = p.as_rule();
            prefixes = if is_prefix(rule) { prefixes + 1 } else { 0 };
            if matches!(rule, Rule::op_assign | Rule::op_coalesce | Rule::op_pow) {
                right += 1;
            }
            if prefixes > MAX_NESTING || right > MAX_NESTING {
                return unsupported(
                    self.pos(&p),
                    format!("more than {MAX_NESTING} chained operators"),
                );
            }
        }
        Ok(())
    }

    /// Counts one more operator node, refusing absurdly deep expressions.
    fn grow(&self, op: &Pair<Rule>) -> Built<&Self> {
        self.chain.set(self.chain.get() + 1);
        if self.chain.get() > MAX_CHAIN {
            return unsupported(
                self.pos(op),
                format!("expression deeper than {MAX_CHAIN} operators"),
            );
        }
        Ok(self)
    }

    fn primary(&self, pair: Pair<Rule>) -> Built<Expr> {
        let pos = self.pos(&pair);
        let kind = match pair.as_rule() {
            Rule::expr => return self.expr(pair),
            Rule::array_lit => ExprKind::Array(self.items(pair)?),
            Rule::number => ExprKind::Lit(self.number(pair.as_str(), pos)?),
            Rule::sq_string => {
                let raw = strip_quotes(pair.as_str());
                ExprKind::Lit(Value::Str(unescape_single(&self.src.bytes(raw))))
            }
            Rule::dq_string => {
                let raw = strip_quotes(pair.as_str());
                let start = pos + pair.as_str().len() - raw.len() - 1;
                interpolated(parse_interpolated(self.src, raw, start, true)?)
            }
            Rule::heredoc | Rule::nowdoc => self.heredoc(pair)?,
            Rule::variable => self.variable(&pair.as_str()[1..], pos)?,
            Rule::call => return self.call(pair),
            Rule::constant => self.constant(pair.as_str(), pos),
            Rule::closure => return unsupported(pos, "closure"),
            Rule::arrow_fn => return unsupported(pos, "arrow function"),
            Rule::new_expr => return unsupported(pos, "object creation (new)"),
            Rule::exit_expr => return unsupported(pos, "exit()"),
            Rule::list_expr => return unsupported(pos, "list()"),
            Rule::var_var => return unsupported(pos, "variable variable"),
            r => return unsupported(pos, format!("{r:?}")),
        };
        Ok(Expr { pos, kind })
    }

    fn variable(&self, name: &str, pos: usize) -> Built<ExprKind> {
        if name == "GLOBALS" || name == "this" {
            return unsupported(pos, format!("${name}"));
        }
        Ok(ExprKind::Var(name.to_string()))
    }

    fn constant(&self, name: &str, pos: usize) -> ExprKind {
        let name = name.trim_start_matches('\\');
        let (line, _) = self.src.line_col(pos);
        let dir = self.src.path.parent().unwrap_or(Path::new("/"));
        match name.to_ascii_uppercase().as_str() {
            "__FILE__" => ExprKind::Lit(path_value(&self.src.path)),
            "__DIR__" => ExprKind::Lit(path_value(dir)),
            "__LINE__" => ExprKind::Lit(Value::Int(line as i64)),
            "__CLASS__" | "__FUNCTION__" | "__METHOD__" | "__NAMESPACE__" | "__TRAIT__" => {
                ExprKind::Lit(Value::str(""))
            }
            _ => ExprKind::Const(name.to_string()),
        }
    }

    fn number(&self, text: &str, pos: usize) -> Built<Value> {
        super::strings::parse_number(text).ok_or_else(|| {
            self.src.custom_error(
                pos,
                &format!(
                    "expected a valid number literal, found `{text}` (Invalid numeric literal)"
                ),
            )
        })
    }

    fn heredoc(&self, pair: Pair<Rule>) -> Built<ExprKind> {
        let nowdoc = pair.as_rule() == Rule::nowdoc;
        let mut body = None;
        let mut indent = "";
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::doc_body => body = Some(p),
                Rule::doc_indent => indent = p.as_str(),
                _ => {}
            }
        }
        let body = body.expect("heredoc body");
        let start = self.pos(&body);
        let text = super::strings::dedent(body.as_str(), indent.len());
        if nowdoc {
            return Ok(ExprKind::Lit(Value::Str(self.src.bytes(&text))));
        }
        Ok(interpolated(parse_interpolated(
            self.src, &text, start, false,
        )?))
    }

    fn items(&self, pair: Pair<Rule>) -> Built<Vec<(Option<Expr>, Expr)>> {
        let items = pair.into_inner().find(|p| p.as_rule() == Rule::items);
        let mut out = Vec::new();
        for item in items.into_iter().flat_map(|i| i.into_inner()) {
            let mut exprs = Vec::new();
            for p in item.into_inner() {
                match p.as_rule() {
                    Rule::spread => return unsupported(self.pos(&p), "spread operator"),
                    Rule::by_ref => return unsupported(self.pos(&p), "reference"),
                    _ => exprs.push(self.expr(p)?),
                }
            }
            let value = exprs.pop().expect("array item value");
            out.push((exprs.pop(), value));
        }
        Ok(out)
    }

    fn call(&self, pair: Pair<Rule>) -> Built<Expr> {
        let pos = self.pos(&pair);
        let mut inner = pair.into_inner();
        let raw = inner.next().expect("call name").as_str();
        let name = raw.trim_start_matches('\\').to_ascii_lowercase();
        let args = self.args(inner.next().expect("call arguments"))?;
        let kind = match name.as_str() {
            "isset" if !args.is_empty() && args.iter().all(is_lvalue) => ExprKind::Isset(args),
            "empty" if args.len() == 1 => {
                ExprKind::Empty(Box::new(args.into_iter().next().expect("one")))
            }
            _ if builtins::supports(&name, args.len()) => ExprKind::Call(name, args),
            _ => return unsupported(pos, format!("function call {raw}()")),
        };
        Ok(Expr { pos, kind })
    }

    fn args(&self, pair: Pair<Rule>) -> Built<Vec<Expr>> {
        let mut out = Vec::new();
        for arg in pair.into_inner() {
            let pos = self.pos(&arg);
            let parts: Vec<_> = arg.into_inner().collect();
            if parts.len() != 1 {
                return unsupported(pos, "spread or named argument");
            }
            out.push(self.expr(parts.into_iter().next().expect("one"))?);
        }
        Ok(out)
    }

    fn prefix(&self, op: Pair<Rule>, rhs: Expr) -> Built<Expr> {
        let pos = self.pos(&op);
        let text = op.as_str().to_ascii_lowercase();
        let rhs = Box::new(rhs);
        let kind = match op.as_rule() {
            Rule::op_not => ExprKind::Unary(UnOp::Not, rhs),
            Rule::op_neg => ExprKind::Unary(UnOp::Neg, rhs),
            Rule::op_plus => ExprKind::Unary(UnOp::Plus, rhs),
            Rule::op_silence => ExprKind::Silence(rhs),
            Rule::op_print => ExprKind::Print(rhs),
            Rule::op_include => ExprKind::Include(
                IncludeKind {
                    require: text.starts_with("require"),
                    once: text.ends_with("_once"),
                },
                rhs,
            ),
            Rule::cast => ExprKind::Cast(cast_kind(&text, pos)?, rhs),
            Rule::op_ref => return unsupported(pos, "reference"),
            Rule::op_clone => return unsupported(pos, "clone"),
            _ => return unsupported(pos, format!("operator {text}")),
        };
        Ok(Expr { pos, kind })
    }

    fn infix(&self, lhs: Expr, op: Pair<Rule>, rhs: Expr) -> Built<Expr> {
        let pos = lhs.pos;
        let text = op.as_str().to_ascii_lowercase();
        let binop = match op.as_rule() {
            Rule::op_assign => return self.assign(lhs, &text, rhs, self.pos(&op)),
            Rule::op_ternary => {
                let middle = self.expr(op.into_inner().next().expect("ternary middle"))?;
                let kind = ExprKind::Ternary(Box::new(lhs), Box::new(middle), Box::new(rhs));
                return Ok(Expr { pos, kind });
            }
            Rule::op_elvis => BinOp::Elvis,
            Rule::op_coalesce => BinOp::Coalesce,
            Rule::op_lor | Rule::op_wor => BinOp::Or,
            Rule::op_land | Rule::op_wand => BinOp::And,
            Rule::op_wxor => BinOp::Xor,
            _ => match binop_of(&text) {
                Some(b) => b,
                None => return unsupported(self.pos(&op), format!("operator {text}")),
            },
        };
        let kind = ExprKind::Binary(binop, Box::new(lhs), Box::new(rhs));
        Ok(Expr { pos, kind })
    }

    fn assign(&self, lhs: Expr, op: &str, rhs: Expr, op_pos: usize) -> Built<Expr> {
        if !is_lvalue(&lhs) {
            return unsupported(lhs.pos, "assignment to a non-variable");
        }
        let binop = match op {
            "=" => None,
            "??=" => Some(BinOp::Coalesce),
            _ => match binop_of(&op[..op.len() - 1]) {
                Some(b) => Some(b),
                None => return unsupported(op_pos, format!("operator {op}")),
            },
        };
        let pos = lhs.pos;
        let kind = ExprKind::Assign(binop, Box::new(lhs), Box::new(rhs));
        Ok(Expr { pos, kind })
    }

    fn postfix(&self, lhs: Expr, op: Pair<Rule>) -> Built<Expr> {
        let pos = self.pos(&op);
        match op.as_rule() {
            Rule::index => {
                let index = op.into_inner().next().map(|e| self.expr(e)).transpose()?;
                let pos = lhs.pos;
                let kind = ExprKind::Index(Box::new(lhs), index.map(Box::new));
                Ok(Expr { pos, kind })
            }
            Rule::prop if op.as_str().ends_with(')') => unsupported(pos, "method call"),
            Rule::prop => unsupported(pos, "property access"),
            Rule::static_access => unsupported(pos, "static member access"),
            Rule::call_args => unsupported(pos, "dynamic function call"),
            _ => unsupported(pos, "increment/decrement"),
        }
    }
}

fn interpolated(parts: Vec<Part>) -> ExprKind {
    match parts.as_slice() {
        [] => ExprKind::Lit(Value::str("")),
        [Part::Lit(b)] => ExprKind::Lit(Value::Str(b.clone())),
        _ => ExprKind::Interp(parts),
    }
}

fn path_value(p: &Path) -> Value {
    use std::os::unix::ffi::OsStrExt;
    Value::Str(p.as_os_str().as_bytes().to_vec())
}

fn strip_quotes(s: &str) -> &str {
    let s = s.strip_prefix(['b', 'B']).unwrap_or(s);
    &s[1..s.len() - 1]
}

fn cast_kind(text: &str, pos: usize) -> Built<CastKind> {
    let inner = text.trim_matches(|c| c == '(' || c == ')' || c == ' ' || c == '\t');
    Ok(match inner {
        "string" | "binary" => CastKind::Str,
        "int" | "integer" => CastKind::Int,
        "bool" | "boolean" => CastKind::Bool,
        "float" | "double" | "real" => CastKind::Float,
        "array" => CastKind::Array,
        other => return unsupported(pos, format!("({other}) cast")),
    })
}

fn binop_of(op: &str) -> Option<BinOp> {
    Some(match op {
        "." => BinOp::Concat,
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Mod,
        "==" => BinOp::Eq,
        "!=" | "<>" => BinOp::NotEq,
        "===" => BinOp::Identical,
        "!==" => BinOp::NotIdentical,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        _ => return None,
    })
}

fn is_prefix(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::cast
            | Rule::op_not
            | Rule::op_neg
            | Rule::op_plus
            | Rule::op_bitnot
            | Rule::op_silence
            | Rule::op_ref
            | Rule::op_incdec_pre
            | Rule::op_include
            | Rule::op_print
            | Rule::op_clone
    )
}

/// A variable or an index chain rooted at one: something that can be assigned.
pub fn is_lvalue(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) => true,
        ExprKind::Index(base, _) => is_lvalue(base),
        _ => false,
    }
}

/// Keeps one rule per human name in a parsing error, so "expected …" lists
/// each thing once.
fn dedupe_expected(err: Error<Rule>, text: &str) -> Error<Rule> {
    let ErrorVariant::ParsingError {
        positives,
        negatives,
    } = &err.variant
    else {
        return err;
    };
    let mut seen = std::collections::HashSet::new();
    let positives: Vec<Rule> = positives
        .iter()
        .copied()
        .filter(|r| seen.insert(rule_name(r)))
        .collect();
    let variant = ErrorVariant::ParsingError {
        positives,
        negatives: negatives.clone(),
    };
    let at = match err.location {
        pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
    };
    match pest::Position::new(text, at) {
        Some(pos) => Error::new_from_pos(variant, pos),
        None => err,
    }
}

/// Human names of grammar rules, for "expected …" in syntax errors.
pub fn rule_name(rule: &Rule) -> String {
    let name = match rule {
        Rule::EOI => "end of input",
        Rule::expr => "expression",
        Rule::variable => "variable",
        Rule::number => "number",
        Rule::sq_string | Rule::dq_string => "string",
        Rule::array_lit => "array",
        Rule::call | Rule::call_args => "function call",
        Rule::constant | Rule::name | Rule::ident => "name",
        Rule::block => "block",
        Rule::index => "`[`",
        Rule::inline_stmt | Rule::final_close => "`?>`",
        Rule::open_tag => "`<?php`",
        Rule::empty_stmt => "`;`",
        Rule::if_stmt | Rule::if_alt | Rule::kw_if => "if",
        Rule::foreach_stmt | Rule::foreach_alt | Rule::kw_foreach => "foreach",
        Rule::echo_stmt | Rule::kw_echo => "echo",
        Rule::return_stmt => "return",
        Rule::unset_stmt => "unset",
        Rule::expr_stmt => "statement",
        Rule::elseif | Rule::elseif_alt | Rule::kw_elseif => "elseif",
        Rule::else_part | Rule::else_alt | Rule::kw_else => "else",
        Rule::kw_endif => "endif",
        Rule::kw_endforeach => "endforeach",
        Rule::kw_as => "as",
        Rule::item | Rule::items => "array item",
        Rule::arg => "argument",
        Rule::heredoc | Rule::nowdoc => "heredoc",
        r if is_prefix(*r) => "unary operator",
        Rule::prop => "`->`",
        Rule::static_access => "`::`",
        Rule::list_expr => "list",
        Rule::exit_expr => "exit",
        Rule::var_var => "variable",
        Rule::kw_function | Rule::kw_fn | Rule::closure | Rule::arrow_fn => "function",
        Rule::kw_new | Rule::new_expr => "new",
        Rule::class_decl => "class",
        Rule::loop_kw | Rule::loop_stmt => "loop",
        Rule::try_kw | Rule::try_stmt => "try",
        Rule::other_kw | Rule::other_stmt => "statement",
        Rule::kw_unset => "unset",
        Rule::kw_return => "return",
        r if format!("{r:?}").starts_with("op_") => "operator",
        r => return format!("{r:?}"),
    };
    name.to_string()
}
