//! The native evaluator: runs a parsed alias file against a [`Scope`] exactly as
//! PHP's `include` would, for the subset the parser accepts.

use super::ast::{BinOp, CastKind, Expr, ExprKind, IncludeKind, Part, Stmt, UnOp};
use super::builtins::{self, CallError};
use super::ops::{self, to_str, Warn};
use super::parser::{self, rule_name, ParseError, Source};
use super::{AliasError, EvalOptions, Included, Scope};
use crate::php::drush_export::loose_eq;
use crate::php::{Key, PhpArray, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Deepest chain of nested includes.
const MAX_INCLUDE_DEPTH: usize = 64;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Files included during the current outermost include (for `_once`).
    static INCLUDED: RefCell<HashSet<PathBuf>> = RefCell::new(HashSet::new());
}

/// Tracks include nesting; the outermost include starts a fresh `_once` set.
struct DepthGuard;

impl DepthGuard {
    fn enter(path: &Path) -> Result<DepthGuard, AliasError> {
        let depth = DEPTH.with(|d| d.get());
        if depth >= MAX_INCLUDE_DEPTH {
            return Err(AliasError::Runtime {
                path: path.to_path_buf(),
                line: 1,
                col: 1,
                message: format!("includes nested deeper than {MAX_INCLUDE_DEPTH} levels"),
            });
        }
        if depth == 0 {
            INCLUDED.with(|s| s.borrow_mut().clear());
        }
        DEPTH.with(|d| d.set(depth + 1));
        Ok(DepthGuard)
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Includes `path` into `scope` natively. Files outside the supported subset give
/// [`AliasError::Unsupported`] (or `Syntax`) and leave `scope` untouched.
pub fn include_native(
    path: &Path,
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<Included, AliasError> {
    let _guard = DepthGuard::enter(path)?;
    let bytes = std::fs::read(path).map_err(|source| AliasError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    INCLUDED.with(|s| s.borrow_mut().insert(abs.clone()));
    let src = Source::new(&bytes, &abs);
    let stmts = parser::parse(&src).map_err(|e| parse_error(e, &src, path))?;
    let snapshot = scope.vars.clone();
    let mut run = Run {
        src: &src,
        shown: path,
        scope,
        opts,
        out: Vec::new(),
        pos: 0,
        silence: 0,
    };
    match run.block(&stmts) {
        Ok(_) => Ok(Included { output: run.out }),
        Err(err) => {
            if err.wants_fallback() {
                scope.vars = snapshot;
            }
            Err(err)
        }
    }
}

/// Evaluates PHP source held in memory (no file behind it) with fallback off;
/// used by the robustness tests and the fuzz target. Never panics.
pub fn eval_source(bytes: &[u8], scope: &mut Scope) -> Result<Included, AliasError> {
    let path = Path::new("/nonexistent/fuzz.alias.drushrc.php");
    let src = Source::new(bytes, path);
    let stmts = parser::parse(&src).map_err(|e| parse_error(e, &src, path))?;
    let opts = EvalOptions {
        php_fallback: false,
        php_binary: String::new(),
    };
    let mut run = Run {
        src: &src,
        shown: path,
        scope,
        opts: &opts,
        out: Vec::new(),
        pos: 0,
        silence: 1,
    };
    run.block(&stmts)?;
    Ok(Included { output: run.out })
}

fn parse_error(e: ParseError, src: &Source, shown: &Path) -> AliasError {
    match e {
        ParseError::Syntax(err) => {
            let (line, col) = match err.line_col {
                pest::error::LineColLocation::Pos(p) | pest::error::LineColLocation::Span(p, _) => {
                    p
                }
            };
            let rendered = err
                .renamed_rules(rule_name)
                .with_path(&shown.display().to_string())
                .to_string();
            AliasError::Syntax {
                path: shown.to_path_buf(),
                line,
                col,
                rendered,
            }
        }
        ParseError::Unsupported { pos, what } => {
            let (line, col) = src.line_col(pos);
            AliasError::Unsupported {
                path: shown.to_path_buf(),
                line,
                col,
                construct: what,
            }
        }
    }
}

/// What a statement asks of its caller.
enum Flow {
    Next,
    Return,
}

type Res<T> = Result<T, AliasError>;

/// One file's evaluation.
struct Run<'a> {
    src: &'a Source,
    shown: &'a Path,
    scope: &'a mut Scope,
    opts: &'a EvalOptions,
    out: Vec<u8>,
    /// Offset of the expression being evaluated (for warnings).
    pos: usize,
    /// Depth of `@` silencing.
    silence: u32,
}

impl Warn for Run<'_> {
    fn warn(&mut self, message: &str) {
        if self.silence == 0 {
            let (line, _) = self.src.line_col(self.pos);
            eprintln!(
                "\nWarning: {message} in {} on line {line}",
                self.src.path.display()
            );
        }
    }
}

/// A step into an array on an lvalue path: a key, or `[]` (append).
type Step = Option<Value>;

impl Run<'_> {
    fn error(&self, pos: usize, message: impl Into<String>) -> AliasError {
        let (line, col) = self.src.line_col(pos);
        AliasError::Runtime {
            path: self.shown.to_path_buf(),
            line,
            col,
            message: message.into(),
        }
    }

    fn unsupported(&self, pos: usize, what: impl Into<String>) -> AliasError {
        let (line, col) = self.src.line_col(pos);
        AliasError::Unsupported {
            path: self.shown.to_path_buf(),
            line,
            col,
            construct: what.into(),
        }
    }

    fn block(&mut self, stmts: &[Stmt]) -> Res<Flow> {
        for s in stmts {
            if let Flow::Return = self.stmt(s)? {
                return Ok(Flow::Return);
            }
        }
        Ok(Flow::Next)
    }

    fn stmt(&mut self, s: &Stmt) -> Res<Flow> {
        match s {
            Stmt::Inline(text) => self.out.extend_from_slice(text),
            Stmt::Echo(exprs) => {
                for e in exprs {
                    let v = self.eval(e)?;
                    let text = to_str(&v, self);
                    self.out.extend(text);
                }
            }
            Stmt::Expr(e) => self.expr_stmt(e)?,
            Stmt::If(branches, otherwise) => return self.if_stmt(branches, otherwise.as_deref()),
            Stmt::Foreach {
                subject,
                key,
                value,
                body,
            } => return self.foreach(subject, key.as_deref(), value, body),
            Stmt::Unset(targets) => {
                for t in targets {
                    self.unset(t)?;
                }
            }
            Stmt::Return(e) => {
                if let Some(e) = e {
                    self.eval(e)?;
                }
                return Ok(Flow::Return);
            }
        }
        Ok(Flow::Next)
    }

    /// An expression statement; `include` is only supported here (its value unused).
    fn expr_stmt(&mut self, e: &Expr) -> Res<()> {
        match &e.kind {
            ExprKind::Include(kind, target) => self.include(*kind, target).map(drop),
            ExprKind::Silence(inner) if matches!(inner.kind, ExprKind::Include(..)) => {
                self.silence += 1;
                let r = self.expr_stmt(inner);
                self.silence -= 1;
                r
            }
            _ => self.eval(e).map(drop),
        }
    }

    fn if_stmt(&mut self, branches: &[(Expr, Vec<Stmt>)], otherwise: Option<&[Stmt]>) -> Res<Flow> {
        for (cond, body) in branches {
            if self.eval(cond)?.is_truthy() {
                return self.block(body);
            }
        }
        match otherwise {
            Some(body) => self.block(body),
            None => Ok(Flow::Next),
        }
    }

    fn foreach(
        &mut self,
        subject: &Expr,
        key: Option<&Expr>,
        value: &Expr,
        body: &[Stmt],
    ) -> Res<Flow> {
        let arr = match self.eval(subject)? {
            Value::Array(a) => a,
            other => {
                self.pos = subject.pos;
                let msg = format!(
                    "foreach() argument must be of type array|object, {} given",
                    other.type_name()
                );
                self.warn(&msg);
                return Ok(Flow::Next);
            }
        };
        for (k, v) in arr.iter() {
            if let Some(key) = key {
                self.assign(key, k.to_value())?;
            }
            self.assign(value, v.clone())?;
            if let Flow::Return = self.block(body)? {
                return Ok(Flow::Return);
            }
        }
        Ok(Flow::Next)
    }

    // ------------------------------------------------------------ includes

    fn include(&mut self, kind: IncludeKind, target: &Expr) -> Res<Value> {
        let v = self.eval(target)?;
        let name = to_str(&v, self);
        self.pos = target.pos;
        if name.windows(3).any(|w| w == b"://") {
            return Err(self.unsupported(target.pos, "include of a stream wrapper"));
        }
        let Some(path) = self.resolve(&name) else {
            return self.missing_include(kind, &name, target.pos);
        };
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if kind.once && INCLUDED.with(|s| s.borrow().contains(&real)) {
            return Ok(Value::Bool(true));
        }
        let included = super::include_file(&path, self.scope, self.opts)?;
        INCLUDED.with(|s| s.borrow_mut().insert(real));
        self.out.extend(included.output);
        Ok(Value::Int(1))
    }

    /// PHP's resolution: absolute and `./`, `../` paths as given; others against
    /// the include path (`.`, the working directory), then the including file's directory.
    fn resolve(&self, name: &[u8]) -> Option<PathBuf> {
        if name.is_empty() || name.contains(&0) {
            return None;
        }
        let p = PathBuf::from(std::ffi::OsString::from_vec(name.to_vec()));
        let explicit =
            name.starts_with(b"/") || name.starts_with(b"./") || name.starts_with(b"../");
        if explicit {
            return p.is_file().then_some(p);
        }
        if p.is_file() {
            return Some(p);
        }
        let sibling = self.src.path.parent()?.join(&p);
        sibling.is_file().then_some(sibling)
    }

    fn missing_include(&mut self, kind: IncludeKind, name: &[u8], pos: usize) -> Res<Value> {
        let kw = kind.keyword();
        let shown = String::from_utf8_lossy(name).into_owned();
        if kind.require {
            let msg =
                format!("Failed opening required '{shown}' (include_path='.:/usr/share/php')");
            return Err(self.error(pos, msg));
        }
        self.warn(&format!(
            "{kw}({shown}): Failed to open stream: No such file or directory"
        ));
        self.warn(&format!(
            "{kw}(): Failed opening '{shown}' for inclusion (include_path='.:/usr/share/php')"
        ));
        Ok(Value::Bool(false))
    }

    // ------------------------------------------------------------ variables

    /// Splits `$v[a][b]` into the variable name and its index expressions.
    fn lvalue_parts(e: &Expr) -> Option<(&str, Vec<&Option<Box<Expr>>>)> {
        let mut steps = Vec::new();
        let mut cur = e;
        loop {
            match &cur.kind {
                ExprKind::Index(base, idx) => {
                    steps.push(idx);
                    cur = base;
                }
                ExprKind::Var(name) => {
                    steps.reverse();
                    return Some((name, steps));
                }
                _ => return None,
            }
        }
    }

    fn steps(&mut self, e: &Expr) -> Res<(String, Vec<Step>)> {
        let Some((name, idx)) = Self::lvalue_parts(e) else {
            return Err(self.error(e.pos, "not a variable"));
        };
        let mut steps = Vec::with_capacity(idx.len());
        for i in idx {
            steps.push(match i {
                Some(i) => Some(self.eval(i)?),
                None => None,
            });
        }
        Ok((name.to_string(), steps))
    }

    fn key(&self, v: &Value, pos: usize) -> Res<Key> {
        Key::from_value(v).map_err(|_| self.error(pos, "Illegal offset type"))
    }

    fn assign(&mut self, target: &Expr, value: Value) -> Res<()> {
        let (name, steps) = self.steps(target)?;
        let slot = self.slot(&name, &steps, target.pos)?;
        *slot = value;
        Ok(())
    }

    /// The storage an lvalue names, created (as PHP auto-vivifies) on the way.
    fn slot(&mut self, name: &str, steps: &[Step], pos: usize) -> Res<&mut Value> {
        let keys: Vec<Option<Key>> = steps
            .iter()
            .map(|s| s.as_ref().map(|v| self.key(v, pos)).transpose())
            .collect::<Res<_>>()?;
        let err = |m: &str| {
            let (line, col) = self.src.line_col(pos);
            AliasError::Runtime {
                path: self.shown.to_path_buf(),
                line,
                col,
                message: m.to_string(),
            }
        };
        let mut cur = self.scope.vars.entry_or_null(Key::from(name));
        for key in keys {
            match cur {
                Value::Null => *cur = Value::Array(PhpArray::new()),
                Value::Bool(false) => *cur = Value::Array(PhpArray::new()),
                Value::Array(_) => {}
                Value::Str(_) => return Err(err("string offset assignment is not supported")),
                _ => return Err(err("Cannot use a scalar value as an array")),
            }
            let arr = cur.as_array_mut().expect("made an array above");
            cur = match key {
                Some(k) => arr.entry_or_null(k),
                None => {
                    let k = arr.next_key().map_err(|e| err(&e.to_string()))?;
                    arr.entry_or_null(Key::Int(k))
                }
            };
        }
        Ok(cur)
    }

    fn unset(&mut self, target: &Expr) -> Res<()> {
        let (name, mut steps) = self.steps(target)?;
        let Some(last) = steps.pop() else {
            self.scope.vars.remove(&Key::from(name.as_str()));
            return Ok(());
        };
        let Some(last) = last else {
            return Err(self.error(target.pos, "Cannot use [] for unsetting"));
        };
        let last = self.key(&last, target.pos)?;
        let mut keys = Vec::with_capacity(steps.len());
        for step in steps {
            let Some(step) = step else {
                return Err(self.error(target.pos, "Cannot use [] for unsetting"));
            };
            keys.push(self.key(&step, target.pos)?);
        }
        let mut cur = self.scope.vars.get_mut(&Key::from(name.as_str()));
        for k in keys {
            cur = cur
                .and_then(|v| v.as_array_mut())
                .and_then(|a| a.get_mut(&k));
        }
        match cur {
            Some(Value::Array(a)) => {
                a.remove(&last);
                Ok(())
            }
            Some(Value::Str(_)) => Err(self.error(target.pos, "Cannot unset string offsets")),
            Some(Value::Int(_) | Value::Float(_) | Value::Bool(true)) => {
                Err(self.error(target.pos, "Cannot unset offset in a non-array variable"))
            }
            _ => Ok(()),
        }
    }

    /// Reads a variable or index path. `quiet` suppresses the warnings (isset, `??`).
    fn lookup(&mut self, e: &Expr, quiet: bool) -> Res<Value> {
        let (name, steps) = self.steps(e)?;
        let mut warning = None;
        let found = match self.scope.vars.get(&Key::from(name.as_str())) {
            Some(v) => read_path(v, &steps, &mut warning),
            None => match superglobal(&name) {
                Some(g) => read_path(&g, &steps, &mut warning),
                None => {
                    warning = Some(format!("Undefined variable ${name}"));
                    None
                }
            },
        };
        if let (Some(w), false) = (warning, quiet) {
            self.pos = e.pos;
            self.warn(&w);
        }
        Ok(found.unwrap_or(Value::Null))
    }

    // ------------------------------------------------------------ expressions

    fn eval(&mut self, e: &Expr) -> Res<Value> {
        self.pos = e.pos;
        match &e.kind {
            ExprKind::Lit(v) => Ok(v.clone()),
            ExprKind::Interp(parts) => self.interp(parts),
            ExprKind::Var(_) => self.lookup(e, false),
            ExprKind::Index(_, None) => Err(self.error(e.pos, "Cannot use [] for reading")),
            ExprKind::Index(base, Some(idx)) if !parser::is_lvalue(base) => {
                let v = self.eval(base)?;
                let k = self.eval(idx)?;
                let mut warning = None;
                let found = read_path(&v, &[Some(k)], &mut warning);
                if let Some(w) = warning {
                    self.pos = e.pos;
                    self.warn(&w);
                }
                Ok(found.unwrap_or(Value::Null))
            }
            ExprKind::Index(..) => self.lookup(e, false),
            ExprKind::Array(items) => self.array(items),
            ExprKind::Const(name) => self.constant(name, e.pos),
            ExprKind::Call(name, args) => self.call(name, args, e.pos),
            ExprKind::Isset(targets) => {
                for t in targets {
                    if matches!(self.lookup(t, true)?, Value::Null) {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(true))
            }
            ExprKind::Empty(t) => Ok(Value::Bool(!self.quiet(t)?.is_truthy())),
            ExprKind::Unary(op, inner) => self.unary(*op, inner),
            ExprKind::Cast(kind, inner) => {
                let v = self.eval(inner)?;
                Ok(self.cast(*kind, v))
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r),
            ExprKind::Ternary(c, a, b) => {
                let branch = if self.eval(c)?.is_truthy() { a } else { b };
                self.eval(branch)
            }
            ExprKind::Assign(op, target, rhs) => self.assign_expr(*op, target, rhs),
            ExprKind::Include(..) => Err(self.unsupported(e.pos, "include used as a value")),
            ExprKind::Silence(inner) => {
                self.silence += 1;
                let r = self.eval(inner);
                self.silence -= 1;
                r
            }
            ExprKind::Print(inner) => {
                let v = self.eval(inner)?;
                let text = to_str(&v, self);
                self.out.extend(text);
                Ok(Value::Int(1))
            }
        }
    }

    /// Evaluates without "undefined" warnings when `e` is a variable path.
    fn quiet(&mut self, e: &Expr) -> Res<Value> {
        if parser::is_lvalue(e) && !has_append(e) {
            self.lookup(e, true)
        } else {
            self.eval(e)
        }
    }

    fn interp(&mut self, parts: &[Part]) -> Res<Value> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                Part::Lit(b) => out.extend_from_slice(b),
                Part::Expr(e) => {
                    let v = self.eval(e)?;
                    out.extend(to_str(&v, self));
                }
            }
        }
        Ok(Value::Str(out))
    }

    fn array(&mut self, items: &[(Option<Expr>, Expr)]) -> Res<Value> {
        let mut arr = PhpArray::new();
        for (k, v) in items {
            let value = self.eval(v)?;
            match k {
                Some(k) => {
                    let kv = self.eval(k)?;
                    let key = self.key(&kv, k.pos)?;
                    arr.insert(key, value);
                }
                None => arr
                    .push(value)
                    .map_err(|e| self.error(v.pos, e.to_string()))?,
            }
        }
        Ok(Value::Array(arr))
    }

    fn constant(&self, name: &str, pos: usize) -> Res<Value> {
        let v = match name.to_ascii_lowercase().as_str() {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "null" => return Ok(Value::Null),
            _ => match name {
                "PHP_INT_MAX" => Value::Int(i64::MAX),
                "PHP_INT_MIN" => Value::Int(i64::MIN),
                "PHP_INT_SIZE" => Value::Int(8),
                "PHP_EOL" => Value::str("\n"),
                "PHP_OS" | "PHP_OS_FAMILY" => Value::str("Linux"),
                "DIRECTORY_SEPARATOR" => Value::str("/"),
                "PATH_SEPARATOR" => Value::str(":"),
                "DRUSH_VERSION" => Value::str("8.4.12"),
                "DRUSH_MAJOR_VERSION" => Value::str("8"),
                "DRUSH_MINOR_VERSION" => Value::str("4"),
                "COUNT_RECURSIVE" => Value::Int(1),
                "COUNT_NORMAL" => Value::Int(0),
                _ => return Err(self.error(pos, format!("Undefined constant \"{name}\""))),
            },
        };
        Ok(v)
    }

    fn call(&mut self, name: &str, args: &[Expr], pos: usize) -> Res<Value> {
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a)?);
        }
        self.pos = pos;
        builtins::call(name, &values, self).map_err(|e| match e {
            CallError::Fatal(m) => self.error(pos, m),
            CallError::Unsupported(m) => self.unsupported(pos, m),
        })
    }

    fn unary(&mut self, op: UnOp, inner: &Expr) -> Res<Value> {
        let v = self.eval(inner)?;
        match op {
            UnOp::Not => Ok(Value::Bool(!v.is_truthy())),
            UnOp::Neg => ops::negate(&v, self).map_err(|m| self.error(inner.pos, m)),
            UnOp::Plus => {
                ops::arith("*", &v, &Value::Int(1), self).map_err(|m| self.error(inner.pos, m))
            }
        }
    }

    fn cast(&mut self, kind: CastKind, v: Value) -> Value {
        match kind {
            CastKind::Str => Value::Str(to_str(&v, self)),
            CastKind::Int => Value::Int(ops::to_int(&v)),
            CastKind::Bool => Value::Bool(v.is_truthy()),
            CastKind::Float => Value::Float(ops::to_float(&v)),
            CastKind::Array => Value::Array(ops::to_array(v)),
        }
    }

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Res<Value> {
        match op {
            BinOp::And => {
                return Ok(Value::Bool(
                    self.eval(l)?.is_truthy() && self.eval(r)?.is_truthy(),
                ))
            }
            BinOp::Or => {
                return Ok(Value::Bool(
                    self.eval(l)?.is_truthy() || self.eval(r)?.is_truthy(),
                ))
            }
            BinOp::Coalesce => {
                return match self.quiet(l)? {
                    Value::Null => self.eval(r),
                    v => Ok(v),
                }
            }
            BinOp::Elvis => {
                let v = self.eval(l)?;
                return if v.is_truthy() { Ok(v) } else { self.eval(r) };
            }
            _ => {}
        }
        let a = self.eval(l)?;
        let b = self.eval(r)?;
        self.pos = l.pos;
        self.apply(op, &a, &b).map_err(|m| self.error(l.pos, m))
    }

    /// A non-short-circuit binary operator on two values.
    fn apply(&mut self, op: BinOp, a: &Value, b: &Value) -> Result<Value, String> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let cmp = || ops::compare(a, b);
        Ok(Value::Bool(match op {
            BinOp::Concat => {
                let mut s = to_str(a, self);
                s.extend(to_str(b, self));
                return Ok(Value::Str(s));
            }
            BinOp::Add => return ops::arith("+", a, b, self),
            BinOp::Sub => return ops::arith("-", a, b, self),
            BinOp::Mul => return ops::arith("*", a, b, self),
            BinOp::Div => return ops::arith("/", a, b, self),
            BinOp::Mod => return ops::arith("%", a, b, self),
            BinOp::Eq => loose_eq(a, b),
            BinOp::NotEq => !loose_eq(a, b),
            BinOp::Identical => ops::identical(a, b),
            BinOp::NotIdentical => !ops::identical(a, b),
            BinOp::Lt => cmp() == Some(Less),
            BinOp::Le => matches!(cmp(), Some(Less | Equal)),
            BinOp::Gt => cmp() == Some(Greater),
            BinOp::Ge => matches!(cmp(), Some(Greater | Equal)),
            BinOp::Xor => a.is_truthy() ^ b.is_truthy(),
            BinOp::And => a.is_truthy() && b.is_truthy(),
            BinOp::Or => a.is_truthy() || b.is_truthy(),
            BinOp::Coalesce | BinOp::Elvis => {
                unreachable!("short-circuit operators handled by binary()")
            }
        }))
    }

    fn assign_expr(&mut self, op: Option<BinOp>, target: &Expr, rhs: &Expr) -> Res<Value> {
        let value = match op {
            None => self.eval(rhs)?,
            Some(BinOp::Coalesce) => match self.quiet(target)? {
                Value::Null => self.eval(rhs)?,
                v => return Ok(v),
            },
            Some(op) => {
                let current = self.eval(target)?;
                let r = self.eval(rhs)?;
                self.pos = target.pos;
                self.apply(op, &current, &r)
                    .map_err(|m| self.error(target.pos, m))?
            }
        };
        self.assign(target, value.clone())?;
        Ok(value)
    }
}

fn has_append(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Index(base, idx) => idx.is_none() || has_append(base),
        _ => false,
    }
}

/// `$_SERVER` (the environment, read-only) and `$_ENV` (empty, as php-cli's
/// `variables_order = GPCS` leaves it) when the scope does not define them.
fn superglobal(name: &str) -> Option<Value> {
    match name {
        "_SERVER" => {}
        "_ENV" => return Some(Value::Array(PhpArray::new())),
        _ => return None,
    }
    let arr = std::env::vars_os()
        .map(|(k, v)| (Key::from_bytes(k.as_bytes()), Value::Str(v.into_vec())))
        .collect();
    Some(Value::Array(arr))
}

/// Reads `steps` below `v`, cloning only the value found; sets `warning` to
/// what PHP would say when a step is missing.
fn read_path(v: &Value, steps: &[Step], warning: &mut Option<String>) -> Option<Value> {
    let mut cur = v;
    for (n, step) in steps.iter().enumerate() {
        let k = step.as_ref()?;
        match cur {
            Value::Array(a) => {
                let Ok(key) = Key::from_value(k) else {
                    *warning = Some("Illegal offset type".into());
                    return None;
                };
                let Some(next) = a.get(&key) else {
                    *warning = Some(undefined_key(&key));
                    return None;
                };
                cur = next;
            }
            Value::Str(s) => {
                let ch = string_offset(s, k, warning)?;
                return read_path(&ch, &steps[n + 1..], warning);
            }
            other => {
                *warning = Some(format!(
                    "Trying to access array offset on value of type {}",
                    other.type_name()
                ));
                return None;
            }
        }
    }
    Some(cur.clone())
}

fn undefined_key(key: &Key) -> String {
    match key {
        Key::Int(i) => format!("Undefined array key {i}"),
        Key::Str(s) => format!("Undefined array key \"{}\"", String::from_utf8_lossy(s)),
    }
}

/// `$s[k]` on a string: one byte, negative offsets from the end.
fn string_offset(s: &[u8], k: &Value, warning: &mut Option<String>) -> Option<Value> {
    let i = match k {
        Value::Int(i) => *i,
        Value::Str(t) => match ops::str_number(t) {
            Some((ops::Num::Int(i), ops::Numeric::Full)) => i,
            _ => {
                *warning = Some("Cannot access offset of type string on string".into());
                return None;
            }
        },
        other => ops::to_int(other),
    };
    let idx = if i < 0 { s.len() as i64 + i } else { i };
    match usize::try_from(idx).ok().and_then(|i| s.get(i)) {
        Some(&b) => Some(Value::Str(vec![b])),
        None => {
            *warning = Some(format!("Uninitialized string offset {i}"));
            None
        }
    }
}

#[cfg(test)]
#[path = "robustness_tests.rs"]
mod robustness_tests;
