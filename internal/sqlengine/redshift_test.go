package sqlengine

import (
	"context"
	"strings"
	"testing"
)

// TestRedshiftFunctions checks the rewritten functions against the
// examples of Redshift's Database Developer Guide.
func TestRedshiftFunctions(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	for _, c := range []struct{ q, want string }{
		// NVL is COALESCE; DECODE compares NULL to NULL as equal.
		{`select nvl(null, null, 3), nvl('a', 'b')`, "3|a"},
		{`select decode(2, 1, 'one', 2, 'two', 'other'), decode(3, 1, 'one', 'other'), decode(3, 1, 'one')`, "two|other|NULL"},
		{`select decode(null, null, 'isnull', 'x')`, "isnull"},
		{`select len('français'), len('abc  ')`, "8|5"},
		{`select charindex('dog', 'fish'), charindex('fish', 'dogfish')`, "0|4"},
		// DATEDIFF counts the part's boundaries crossed.
		{`select datediff(week,'2009-01-01','2009-12-31')`, "52"},
		{`select datediff(hour, '2023-01-01', '2023-01-03 05:04:03')`, "53"},
		{`select datediff(year, '2008-12-31', '2009-01-01'), datediff(hours, '2009-01-01 8:30:00', '2009-01-01 10:00:00')`, "1|2"},
		{`select datediff(days, '2008-06-01', '2008-07-04'), datediff('qtr', '1998-07-01', '2002-10-01')`, "33|17"},
		// DATEADD keeps the day of the month, or the month's last.
		{`select dateadd(month, 18, '2008-02-28')`, "2009-08-28T00:00:00Z"},
		{`select dateadd(day, 30, '2008-02-28'), dateadd(month, 1, '2008-01-31')`, "2008-03-29T00:00:00Z|2008-02-29T00:00:00Z"},
		{`select dateadd(m, 5, timestamp '2008-01-01 10:00:00'), dateadd(hrs, -2, '2008-01-01')`, "2008-01-01T10:05:00Z|2007-12-31T22:00:00Z"},
		{`select convert_timezone('America/New_York', '2008-03-05 12:25:29')`, "2008-03-05T07:25:29Z"},
		{`select convert_timezone('EST', 'PST', '2008-03-05 12:25:29')`, "2008-03-05T09:25:29Z"},
		{`select listagg(x, ', ') within group (order by x desc) from (values ('a'), ('b'), ('c')) t(x)`, "c, b, a"},
		{`select listagg(x) within group (order by x) from (values ('b'), ('a')) t(x)`, "ab"},
		{`select approximate count(distinct x) from (values (1), (2), (2)) t(x)`, "2"},
		{`select typeof(getdate()), typeof(sysdate), typeof(trunc(getdate())), typeof(trunc(sysdate))`, "TIMESTAMP|TIMESTAMP|DATE|DATE"},
		{`select getdate() = date_trunc('second', getdate()), trunc(getdate()) = current_date`, "true|true"},
		// Strings and quoted names are not functions.
		{`select 'getdate() nvl(a,b) sysdate' as "sysdate"`, "getdate() nvl(a,b) sysdate"},
	} {
		got, err := tryRows(s, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s = %v, want %s", c.q, got, c.want)
		}
	}
	// A DEFAULT and a view keep working: they hold DuckDB's spelling.
	exec(t, s, `create table d (a int, loaded timestamp default getdate())`)
	exec(t, s, `insert into d(a) values (1)`)
	exec(t, s, `create view v as select a, nvl(loaded, sysdate) as loaded, datediff(day, loaded, getdate()) as age from d`)
	if got := one(t, s, `select a, age from v`); got != "1|0" {
		t.Errorf("view over Redshift functions: %s", got)
	}
}

// TestRedshiftColumnNames names result columns after the function the
// client wrote, as Redshift does.
func TestRedshiftColumnNames(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	r, err := s.Query(context.Background(), `select getdate(), sysdate, nvl(1, 2), dateadd(day, 1, '2020-01-01'), `+
		`listagg(x, ',') within group (order by x), approximate count(distinct x) from (values ('a')) t(x)`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, c := range r.Columns() {
		names = append(names, c.Name)
	}
	if want := "getdate sysdate nvl dateadd listagg count"; strings.Join(names, " ") != want {
		t.Errorf("columns %v, want %s", names, want)
	}
}
