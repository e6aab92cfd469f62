package sqlengine

import (
	"context"
	"regexp"
	"strings"
)

// PL/pgSQL. DuckDB has no procedural language, so CREATE FUNCTION ...
// LANGUAGE plpgsql is refused with 0A000, save for the one function
// Sequelize's findOrCreate makes (and every create with its exception
// option) in place of a subtransaction:
//
//	CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response "T", OUT sequelize_caught_exception text)
//	RETURNS RECORD AS $func_...$ BEGIN INSERT INTO "T" (...) VALUES (...) RETURNING * INTO response;
//	EXCEPTION WHEN unique_violation THEN GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL;
//	END $func_...$ LANGUAGE plpgsql;
//	SELECT (testfunc.response)."id", (testfunc.response)."name", testfunc.sequelize_caught_exception FROM pg_temp.testfunc();
//	DROP FUNCTION IF EXISTS pg_temp.testfunc()
//
// and the DO block its sync() sends to make an ENUM type, which runs as
// CREATE TYPE IF NOT EXISTS:
//
//	DO 'BEGIN CREATE TYPE "public"."enum_T_c" AS ENUM(''a'', ''b''); EXCEPTION WHEN duplicate_object THEN null; END';
//
// Other DO blocks are refused with 0A000.
//
// The session keeps the INSERT under the function's name; the SELECT runs
// it as INSERT ... ON CONFLICT DO NOTHING RETURNING the columns asked
// for, and a NULL sequelize_caught_exception. A key that exists already
// inserts and returns no row, which Sequelize takes as the unique
// violation (the created row has no id) and looks the row up again, as
// it does with the exception's detail: a failed statement would abort
// DuckDB's transaction, which has no subtransactions to catch it in.

var (
	pgSeqTestFunc = regexp.MustCompile(`(?is)^\s*CREATE\s+OR\s+REPLACE\s+FUNCTION\s+pg_temp\.(\w+)\s*\(\s*OUT\s+response\s+[^,]+,\s*` +
		`OUT\s+sequelize_caught_exception\s+text\s*\)\s*RETURNS\s+RECORD\s+AS\s+(\$\w*\$)\s*BEGIN\s+(INSERT\s.*)\s+RETURNING\s+\*\s+INTO\s+response\s*;\s*` +
		`EXCEPTION\s+WHEN\s+unique_violation\s+THEN\s+GET\s+STACKED\s+DIAGNOSTICS\s+sequelize_caught_exception\s*=\s*PG_EXCEPTION_DETAIL\s*;\s*` +
		`END\s*(\$\w*\$)\s*LANGUAGE\s+plpgsql\s*;?\s*$`)
	pgSeqTestCall = regexp.MustCompile(`(?is)^\s*SELECT\s+(.+?)\s*,\s*(\w+)\.sequelize_caught_exception\s+FROM\s+pg_temp\.(\w+)\s*\(\s*\)\s*;?\s*$`)
	pgSeqEnumDo   = regexp.MustCompile(`(?is)^\s*BEGIN\s+CREATE\s+TYPE\s+(.+?)\s*;\s*EXCEPTION\s+WHEN\s+duplicate_object\s+THEN\s+null\s*;\s*END\s*;?\s*$`)
	pgSeqTestDrop = regexp.MustCompile(`(?is)^\s*DROP\s+FUNCTION\s+IF\s+EXISTS\s+pg_temp\.(\w+)\s*\(\s*\)\s*;?\s*$`)
)

// plpgsql handles the statements above; ok is false for others.
func (s *Session) plpgsql(ctx context.Context, st string, toks []token, limit int, args []any) (r *Result, ok bool, err error) {
	switch {
	case toks[0].is("create"):
		if m := pgSeqTestFunc.FindStringSubmatch(st); m != nil && m[2] == m[4] {
			if s.tempFuncs == nil {
				s.tempFuncs = map[string]string{}
			}
			s.tempFuncs[strings.ToLower(m[1])] = m[3]
			return &Result{tag: "CREATE FUNCTION", done: true}, true, nil
		}
		if isPlpgsqlFunction(toks) {
			return nil, true, newErr(CodeFeature, `language "plpgsql" is not supported: rheo's SQL engine (DuckDB) has no procedural language; CREATE MACRO makes SQL functions`)
		}
	case toks[0].is("select"):
		m := pgSeqTestCall.FindStringSubmatch(st)
		if m == nil || !strings.EqualFold(m[2], m[3]) {
			return nil, false, nil
		}
		insert, found := s.tempFuncs[strings.ToLower(m[3])]
		if !found {
			return nil, false, nil
		}
		prefix := "(" + m[2] + ".response)."
		var cols []string
		for _, item := range strings.Split(m[1], ",") {
			c, ok := strings.CutPrefix(strings.TrimSpace(item), prefix)
			if !ok {
				return nil, false, nil
			}
			cols = append(cols, c)
		}
		returning := " RETURNING " + strings.Join(cols, ", ") + ", NULL::VARCHAR AS sequelize_caught_exception"
		r, err := s.queryLocked(ctx, insert+" ON CONFLICT DO NOTHING"+returning, limit, args)
		if err != nil && strings.Contains(err.Error(), "no UNIQUE/PRIMARY KEY") {
			// A table without a key has no unique_violation to catch
			// (DuckDB's binder refuses the ON CONFLICT before running
			// anything): the INSERT as it is.
			r, err = s.queryLocked(ctx, insert+returning, limit, args)
		}
		if r != nil {
			r.tagVerb = "SELECT"
		}
		return r, true, err
	case toks[0].is("do"):
		var body *token
		for i := 1; i < len(toks); i++ {
			switch t := toks[i]; {
			case t.kind == tokString && body == nil:
				body = &toks[i]
			case t.is("language") && i+1 < len(toks):
				i++
			case isPunct(t, ";") && i == len(toks)-1:
			default:
				return nil, false, nil // not a DO block: left to DuckDB
			}
		}
		if body == nil {
			return nil, false, nil
		}
		if m := pgSeqEnumDo.FindStringSubmatch(body.text); m != nil {
			r, err := s.queryLocked(ctx, "CREATE TYPE IF NOT EXISTS "+m[1], limit, args)
			if r != nil {
				r.tag = "DO"
			}
			return r, true, err
		}
		return nil, true, newErr(CodeFeature, `DO blocks are not supported: rheo's SQL engine (DuckDB) has no procedural language`)
	case toks[0].is("drop"):
		if m := pgSeqTestDrop.FindStringSubmatch(st); m != nil {
			if _, found := s.tempFuncs[strings.ToLower(m[1])]; found {
				delete(s.tempFuncs, strings.ToLower(m[1]))
				return &Result{tag: "DROP FUNCTION", done: true}, true, nil
			}
		}
	}
	return nil, false, nil
}

// isPlpgsqlFunction reports a CREATE [OR REPLACE] FUNCTION or PROCEDURE
// (or DO block) in LANGUAGE plpgsql; the body is a string, so the words
// are the definition's.
func isPlpgsqlFunction(toks []token) bool {
	i := 1
	if i+1 < len(toks) && toks[i].is("or") && toks[i+1].is("replace") {
		i += 2
	}
	if i >= len(toks) || !toks[i].is("function") && !toks[i].is("procedure") {
		return false
	}
	for j := i + 1; j+1 < len(toks); j++ {
		if toks[j].is("language") && (toks[j+1].is("plpgsql") || toks[j+1].kind == tokString && strings.EqualFold(toks[j+1].text, "plpgsql")) {
			return true
		}
	}
	return false
}
