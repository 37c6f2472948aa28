//! The SQL/JSON forms: `IS [NOT] JSON [VALUE|SCALAR|ARRAY|OBJECT]` and the clauses of
//! `JSON_VALUE`, `JSON_QUERY`, `JSON_EXISTS`, `JSON_OBJECT` and `JSON_ARRAY`.

use super::{PResult, Parser};
use crate::ast::*;
use crate::lexer::TokenKind;

impl Parser<'_> {
    /// After `IS [NOT] JSON`: the optional kind.
    pub(super) fn json_type(&mut self) -> JsonType {
        if self.eat_kw("VALUE") {
            JsonType::Value
        } else if self.eat_kw("SCALAR") {
            JsonType::Scalar
        } else if self.eat_kw("ARRAY") {
            JsonType::Array
        } else if self.eat_kw("OBJECT") {
            JsonType::Object
        } else {
            JsonType::Value
        }
    }

    /// After `JSON_xxx(`: the arguments and clauses, through the closing parenthesis.
    pub(super) fn json_call(&mut self, function: JsonFunctionName) -> PResult<ExprKind> {
        let mut call = JsonCall {
            function,
            args: Vec::new(),
            returning: None,
            wrapper: None,
            on_empty: None,
            on_error: None,
            absent_on_null: None,
        };
        match function {
            JsonFunctionName::Value | JsonFunctionName::Query | JsonFunctionName::Exists => {
                call.args.push(self.expr()?);
                self.expect(&TokenKind::Comma)?;
                call.args.push(self.expr()?);
                if function != JsonFunctionName::Exists && self.eat_kw("RETURNING") {
                    call.returning = Some(self.data_type()?);
                }
                if function == JsonFunctionName::Query {
                    call.wrapper = self.json_wrapper()?;
                }
                self.json_behaviors(&mut call)?;
            }
            JsonFunctionName::Object => {
                while !self.is(&TokenKind::RParen) && !self.at_on_null() {
                    if self.is_kw("KEY") && !self.is_kw_at(1, "VALUE") && self.peek_nth(1).kind != TokenKind::Comma {
                        self.pos += 1;
                    }
                    call.args.push(self.expr()?);
                    self.expect_kw("VALUE")?;
                    call.args.push(self.expr()?);
                    if !self.eat(&TokenKind::Comma) {
                        break;
                    }
                }
                call.absent_on_null = self.json_on_null()?;
            }
            JsonFunctionName::Array => {
                while !self.is(&TokenKind::RParen) && !self.at_on_null() {
                    call.args.push(self.expr()?);
                    if !self.eat(&TokenKind::Comma) {
                        break;
                    }
                }
                call.absent_on_null = self.json_on_null()?;
            }
        }
        self.expect(&TokenKind::RParen)?;
        Ok(ExprKind::Json(Box::new(call)))
    }

    /// After `JSON_ARRAYAGG(` / `JSON_OBJECTAGG(`: the value (or `[KEY] k VALUE v`) and the
    /// `ON NULL` clause. The call becomes Flink's internal aggregate name, which says the
    /// clause: `JSON_ARRAYAGG_ABSENT_ON_NULL(x)` (the default for arrays),
    /// `JSON_OBJECTAGG_NULL_ON_NULL(k, v)` (the default for objects) and so on.
    pub(super) fn json_aggregate(&mut self, name: Ident, object: bool) -> PResult<ExprKind> {
        let mut args = Vec::new();
        if object {
            if self.is_kw("KEY") && !self.is_kw_at(1, "VALUE") {
                self.pos += 1;
            }
            args.push(self.expr()?);
            self.expect_kw("VALUE")?;
        }
        args.push(self.expr()?);
        let absent = self.json_on_null()?.unwrap_or(!object);
        self.expect(&TokenKind::RParen)?;
        let suffix = if absent { "ABSENT_ON_NULL" } else { "NULL_ON_NULL" };
        let base = if object { "JSON_OBJECTAGG" } else { "JSON_ARRAYAGG" };
        let ident = Ident { value: format!("{base}_{suffix}"), ..name };
        let mut call = FunctionCall {
            name: ObjectName { parts: vec![ident] },
            args,
            distinct: false,
            star: false,
            filter: None,
            over: None,
            ignore_nulls: None,
        };
        self.call_trailer(&mut call)?;
        Ok(ExprKind::Function(Box::new(call)))
    }

    fn at_on_null(&self) -> bool {
        (self.is_kw("NULL") || self.is_kw("ABSENT")) && self.is_kw_at(1, "ON") && self.is_kw_at(2, "NULL")
    }

    fn json_on_null(&mut self) -> PResult<Option<bool>> {
        if !self.at_on_null() {
            return Ok(None);
        }
        let absent = self.is_kw("ABSENT");
        self.pos += 3;
        Ok(Some(absent))
    }

    fn json_wrapper(&mut self) -> PResult<Option<JsonWrapper>> {
        let wrapper = if self.eat_kw("WITHOUT") {
            JsonWrapper::Without
        } else if self.is_kw("WITH") {
            self.pos += 1;
            if self.eat_kw("CONDITIONAL") {
                JsonWrapper::Conditional
            } else {
                self.eat_kw("UNCONDITIONAL");
                JsonWrapper::Unconditional
            }
        } else {
            return Ok(None);
        };
        self.eat_kw("ARRAY");
        self.expect_kw("WRAPPER")?;
        Ok(Some(wrapper))
    }

    /// `{NULL | ERROR | DEFAULT expr | TRUE | FALSE | UNKNOWN | EMPTY ARRAY | EMPTY OBJECT}
    /// ON {EMPTY | ERROR}`, any number of times.
    fn json_behaviors(&mut self, call: &mut JsonCall) -> PResult<()> {
        loop {
            let behavior = if self.eat_kw("NULL") {
                JsonBehavior::Null
            } else if self.is_kw("ERROR") && self.is_kw_at(1, "ON") {
                self.pos += 1;
                JsonBehavior::Error
            } else if self.eat_kw("TRUE") {
                JsonBehavior::True
            } else if self.eat_kw("FALSE") {
                JsonBehavior::False
            } else if self.eat_kw("UNKNOWN") {
                JsonBehavior::Unknown
            } else if self.eat_kws(&["EMPTY", "ARRAY"]) {
                JsonBehavior::EmptyArray
            } else if self.eat_kws(&["EMPTY", "OBJECT"]) {
                JsonBehavior::EmptyObject
            } else if self.eat_kw("DEFAULT") {
                JsonBehavior::Default(Box::new(self.expr()?))
            } else {
                return Ok(());
            };
            self.expect_kw("ON")?;
            if self.eat_kw("EMPTY") {
                call.on_empty = Some(behavior);
            } else if self.eat_kw("ERROR") {
                call.on_error = Some(behavior);
            } else {
                return Err(self.expected("\"EMPTY\" or \"ERROR\" after \"ON\""));
            }
        }
    }
}
