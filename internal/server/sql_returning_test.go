package server

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// INSERT, UPDATE and DELETE with RETURNING send their rows, and a tag
// counting them, as Postgres does: ORMs read generated ids this way.
func TestSQLReturning(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, "CREATE TABLE rt (id INTEGER, name VARCHAR)"); err != nil {
		t.Fatal(err)
	}
	var id int32
	var name string
	if err := c.QueryRow(ctx, "INSERT INTO rt VALUES ($1, $2) RETURNING id, upper(name)", int32(7), "ann").Scan(&id, &name); err != nil || id != 7 || name != "ANN" {
		t.Fatalf("INSERT RETURNING = %d %q, %v", id, name, err)
	}
	rows, err := c.Query(ctx, "INSERT INTO rt VALUES (8, 'bob'), (9, 'cy') RETURNING id")
	if err != nil {
		t.Fatal(err)
	}
	var got []int32
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if rows.Err() != nil || len(got) != 2 || got[0] != 8 || got[1] != 9 || rows.CommandTag().String() != "INSERT 0 2" {
		t.Fatalf("multi-row INSERT RETURNING = %v, tag %q, %v", got, rows.CommandTag(), rows.Err())
	}
	// A plain INSERT still answers with its count only.
	if tag, err := c.Exec(ctx, "INSERT INTO rt VALUES (10, 'dee')"); err != nil || tag.String() != "INSERT 0 1" {
		t.Fatalf("plain INSERT tag %q, %v", tag, err)
	}

	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	out, err := psqlOn(s, "-c", "UPDATE rt SET name = 'z' WHERE id > 8 RETURNING id, name", "-c", "DELETE FROM rt WHERE id = 7 RETURNING *")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, want := range []string{" 9 | z", "10 | z", "(2 rows)", "UPDATE 2", " 7 | ann", "(1 row)", "DELETE 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("psql output lacks %q:\n%s", want, out)
		}
	}
}
