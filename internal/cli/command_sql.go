package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/mattn/go-runewidth"
	"github.com/peterh/liner"
	"github.com/spf13/cobra"
)

// DefaultPGURL is where a local "rheo serve" serves SQL by default.
const DefaultPGURL = "postgres://rheo@127.0.0.1:5433/rheo"

// sqlHistoryFile is the interactive shell's history, in the home directory.
const sqlHistoryFile = ".rheo_sql_history"

// sqlOptions are the flags of "rheo sql".
type sqlOptions struct {
	url      string
	commands []string
	file     string
	format   string
}

// NewSQLCommand returns "rheo sql", a psql-like client of rheo's Postgres
// wire endpoint. It works against any Postgres server too.
func NewSQLCommand() *cobra.Command {
	var o sqlOptions
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Run SQL against rheo over the Postgres wire protocol",
		Long: `Run SQL against a rheo server's Postgres endpoint (rheo serve --pg-listen).

  rheo sql -c "SELECT count(*) FROM access_log"     run, print, exit (non-zero on error)
  rheo sql -f script.sql                            run a file
  rheo sql                                          interactive shell
  rheo sql -c "COPY (SELECT ...) TO STDOUT (FORMAT csv, HEADER)" > out.csv
  rheo sql -c "COPY t FROM STDIN (FORMAT csv, HEADER)" < in.csv

In the shell a statement runs once a line ends with ';'. \q quits, \? helps.
History is kept in ~/` + sqlHistoryFile + `. A statement prints
"(N rows, X ms)" or its command tag and time; statements sent together
("a; b", a file) print one "Time: X ms" for all, as psql -c does.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSQL(cmd.Context(), cmd, &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "pg-url", DefaultPGURL, "Postgres connection URL of the rheo server")
	f.StringArrayVarP(&o.commands, "command", "c", nil, "run this SQL (several statements allowed) and exit; may repeat")
	f.StringVarP(&o.file, "file", "f", "", "run the SQL in this file and exit")
	f.StringVar(&o.format, "format", "table", "output format: table, csv or json (one object per row)")
	annotateEnv(cmd)
	return cmd
}

func runSQL(ctx context.Context, cmd *cobra.Command, o *sqlOptions) error {
	switch o.format {
	case "table", "csv", "json":
	default:
		return fmt.Errorf("--format %q: want table, csv or json", o.format)
	}
	cfg, err := pgconn.ParseConfig(o.url)
	if err != nil {
		return fmt.Errorf("--pg-url: %w", err)
	}
	stderr := cmd.ErrOrStderr()
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		fmt.Fprintf(stderr, "%s:  %s\n", n.Severity, n.Message)
	}
	// Ctrl-C or a deadline cancels the statement on the server.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	conn, err := pgconn.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return fmt.Errorf("connect to %s (is \"rheo serve\" running? set --pg-url): %w", o.url, err)
	}
	defer conn.Close(context.Background())
	p := &sqlPrinter{out: cmd.OutOrStdout(), format: o.format, status: stderr}

	if len(o.commands) > 0 || o.file != "" {
		p.in = cmd.InOrStdin()
		for _, c := range o.commands {
			if err := p.run(ctx, conn, c); err != nil {
				return err
			}
		}
		if o.file != "" {
			b, err := os.ReadFile(o.file)
			if err != nil {
				return fmt.Errorf("read SQL file: %w", err)
			}
			if err := p.run(ctx, conn, string(b)); err != nil {
				return err
			}
		}
		return nil
	}
	return shell(ctx, cmd, conn, p)
}

// lineReader reads one line of input with a prompt.
type lineReader interface {
	Prompt(prompt string) (string, error)
}

// plainReader reads lines from a non-terminal without prompting.
type plainReader struct{ sc *bufio.Scanner }

func (r plainReader) Prompt(string) (string, error) {
	if r.sc.Scan() {
		return r.sc.Text(), nil
	}
	if err := r.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

// shell is the interactive loop: it gathers lines until one ends with
// ';', runs them, and keeps going after errors.
func shell(ctx context.Context, cmd *cobra.Command, conn *pgconn.PgConn, p *sqlPrinter) error {
	in := cmd.InOrStdin()
	var rd lineReader
	interactive := false
	if f, ok := in.(*os.File); ok && isTerminal(f) && isTerminal(os.Stdout) {
		interactive = true
		ln := liner.NewLiner()
		defer ln.Close()
		ln.SetCtrlCAborts(true)
		ln.SetMultiLineMode(true)
		hist := historyPath()
		if f, err := os.Open(hist); err == nil {
			_, _ = ln.ReadHistory(f)
			f.Close()
		}
		defer func() {
			if hist == "" {
				return
			}
			if f, err := os.OpenFile(hist, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
				_, _ = ln.WriteHistory(f)
				f.Close()
			}
		}()
		rd = historyReader{ln}
		fmt.Fprintf(cmd.OutOrStdout(), "rheo sql: connected to %s (server %s). \\q quits, \\? helps.\n",
			conn.Conn().RemoteAddr(), conn.ParameterStatus("server_version"))
	} else {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		rd = plainReader{sc}
	}
	var buf strings.Builder
	failed := false
	for {
		prompt := "rheo=> "
		if buf.Len() > 0 {
			prompt = "rheo-> "
		}
		line, err := rd.Prompt(prompt)
		if errors.Is(err, liner.ErrPromptAborted) {
			buf.Reset()
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return fmt.Errorf("read input: %w", err)
			}
			if strings.TrimSpace(buf.String()) != "" {
				if err := p.run(ctx, conn, buf.String()); err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					failed = true
				}
			}
			if interactive {
				fmt.Fprintln(cmd.OutOrStdout())
			}
			if failed && !interactive {
				return errors.New("some statements failed")
			}
			return nil
		}
		trimmed := strings.TrimSpace(line)
		if buf.Len() == 0 && strings.HasPrefix(trimmed, `\`) {
			switch strings.Fields(trimmed)[0] {
			case `\q`, `\quit`:
				return nil
			case `\?`, `\h`, `\help`:
				fmt.Fprintln(cmd.OutOrStdout(), "End a statement with ';' to run it. \\q quits. Output format: rheo sql --format table|csv|json.")
			default:
				fmt.Fprintf(cmd.ErrOrStderr(), "unknown command %s; try \\?\n", trimmed)
			}
			continue
		}
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			q := buf.String()
			buf.Reset()
			if err := p.run(ctx, conn, q); err != nil {
				if ctx.Err() != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				failed = true
			}
		}
	}
}

// historyReader records entered lines in the liner history.
type historyReader struct{ ln *liner.State }

func (h historyReader) Prompt(p string) (string, error) {
	s, err := h.ln.Prompt(p)
	if err == nil && strings.TrimSpace(s) != "" {
		h.ln.AppendHistory(s)
	}
	return s, err
}

// historyPath is ~/.rheo_sql_history, or "" without a home directory.
func historyPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, sqlHistoryFile)
}

// sqlPrinter prints results in one format.
type sqlPrinter struct {
	out    io.Writer
	format string
	// in feeds COPY ... FROM STDIN (nil in the shell, whose input is the
	// statements); status gets COPY tags, so stdout holds only the data.
	in     io.Reader
	status io.Writer
	// types decodes arrays for --format json; made on first use.
	types *pgtype.Map
}

// copyTo and copyFrom recognise a lone COPY with the client at one end.
var (
	copyTo   = regexp.MustCompile(`(?is)^\s*copy\b.*\bto\s+stdout\b[^;]*;?\s*$`)
	copyFrom = regexp.MustCompile(`(?is)^\s*copy\b.*\bfrom\s+stdin\b[^;]*;?\s*$`)
)

// run sends sql as one simple query (the server splits statements) and
// prints every result; an SQL error is printed and returned. A lone COPY
// ... TO STDOUT writes its data to the output as is, and COPY ... FROM
// STDIN reads the command's standard input.
func (p *sqlPrinter) run(ctx context.Context, conn *pgconn.PgConn, sql string) error {
	switch {
	case copyTo.MatchString(sql):
		tag, err := conn.CopyTo(ctx, p.out, sql)
		if err != nil {
			return p.printError(err)
		}
		fmt.Fprintln(p.status, tag.String())
		return nil
	case copyFrom.MatchString(sql):
		if p.in == nil {
			return errors.New("COPY ... FROM STDIN reads the standard input of rheo sql -c or -f, not the shell: rheo sql -c \"COPY ...\" < file")
		}
		tag, err := conn.CopyFrom(ctx, p.in, sql)
		if err != nil {
			return p.printError(err)
		}
		fmt.Fprintln(p.status, tag.String())
		return nil
	}
	// The server answers statements sent together at once (as Postgres
	// does: it flushes at the end), so their results arrive together and
	// only the whole has a meaningful time. As psql -c: a lone statement
	// shows its time, several one "Time:" line for all. A result's footer
	// waits until it is known whether another result follows.
	start := time.Now()
	var footer func(elapsed float64) // the last result's, not yet printed; elapsed < 0: no time
	flush := func(elapsed float64) {
		if footer != nil {
			footer(elapsed)
			footer = nil
		}
	}
	defer flush(-1)
	results := 0
	mrr := conn.Exec(ctx, sql)
	for mrr.NextResult() {
		flush(-1)
		results++
		rr := mrr.ResultReader()
		fields := rr.FieldDescriptions()
		var rows [][]*string
		var w *csv.Writer
		if p.format == "csv" && len(fields) > 0 {
			w = csv.NewWriter(p.out)
			names := make([]string, len(fields))
			for i, f := range fields {
				names[i] = f.Name
			}
			_ = w.Write(names)
		}
		n := 0
		for rr.NextRow() {
			vals := rr.Values()
			row := make([]*string, len(vals))
			for i, v := range vals {
				if v != nil {
					s := string(v)
					row[i] = &s
				}
			}
			n++
			switch p.format {
			case "table":
				rows = append(rows, row)
			case "csv":
				rec := make([]string, len(row))
				for i, v := range row {
					if v != nil {
						rec[i] = *v
					}
				}
				_ = w.Write(rec)
			case "json":
				p.printJSON(fields, row)
			}
		}
		tag, err := rr.Close()
		if err != nil {
			_ = mrr.Close()
			return p.printError(err)
		}
		if w != nil {
			w.Flush()
		}
		if p.format != "table" {
			continue
		}
		if len(fields) > 0 {
			printTable(p.out, fields, rows)
			noun := "rows"
			if n == 1 {
				noun = "row"
			}
			footer = func(elapsed float64) {
				if elapsed < 0 {
					fmt.Fprintf(p.out, "(%d %s)\n\n", n, noun)
				} else {
					fmt.Fprintf(p.out, "(%d %s, %.1f ms)\n\n", n, noun, elapsed)
				}
			}
		} else {
			footer = func(elapsed float64) {
				if elapsed < 0 {
					fmt.Fprintln(p.out, tag.String())
				} else {
					fmt.Fprintf(p.out, "%s (%.1f ms)\n", tag.String(), elapsed)
				}
			}
		}
	}
	if err := mrr.Close(); err != nil {
		return p.printError(err)
	}
	elapsed := float64(time.Since(start).Microseconds()) / 1000
	if results == 1 {
		flush(elapsed)
	} else if footer != nil {
		flush(-1)
		fmt.Fprintf(p.out, "Time: %.1f ms\n", elapsed)
	}
	return nil
}

// printError shows a server error the way psql does and returns it.
func (p *sqlPrinter) printError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %s (SQLSTATE %s)", pe.Severity, pe.Message, pe.Code)
	}
	return err
}

// printJSON writes one row as a JSON object, typing numbers and booleans
// by their column's OID.
func (p *sqlPrinter) printJSON(fields []pgconn.FieldDescription, row []*string) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		b.Write(k)
		b.WriteByte(':')
		v := row[i]
		switch {
		case v == nil:
			b.WriteString("null")
		case f.DataTypeOID == 16:
			if *v == "t" {
				b.WriteString("true")
			} else {
				b.WriteString("false")
			}
		case isNumericOID(f.DataTypeOID) && json.Valid([]byte(*v)):
			b.WriteString(*v)
		case f.DataTypeOID == 114 && json.Valid([]byte(*v)):
			b.WriteString(*v)
		case p.arrayJSON(f.DataTypeOID, *v, &b): // written if true
		default:
			s, _ := json.Marshal(*v)
			b.Write(s)
		}
	}
	b.WriteString("}\n")
	io.WriteString(p.out, b.String())
}

// arrayJSON writes a Postgres array (text form) as a JSON array: numbers
// and booleans typed, other elements as Postgres prints them. It reports
// false, writing nothing, for other types and for what does not decode.
func (p *sqlPrinter) arrayJSON(oid uint32, text string, b *strings.Builder) bool {
	if p.types == nil {
		p.types = pgtype.NewMap()
	}
	typ, ok := p.types.TypeForOID(oid)
	if !ok {
		return false
	}
	ac, ok := typ.Codec.(*pgtype.ArrayCodec)
	if !ok {
		return false
	}
	decodeAs := oid
	if !isNumericOID(ac.ElementType.OID) && ac.ElementType.OID != pgtype.BoolOID {
		decodeAs = pgtype.TextArrayOID // the elements' own text
	}
	dt, _ := p.types.TypeForOID(decodeAs)
	v, err := dt.Codec.DecodeValue(p.types, decodeAs, pgtype.TextFormatCode, []byte(text))
	if err != nil {
		return false
	}
	js, err := json.Marshal(v)
	if err != nil {
		return false
	}
	b.Write(js)
	return true
}

func isNumericOID(oid uint32) bool {
	switch oid {
	case 20, 21, 23, 700, 701, 1700:
		return true
	}
	return false
}

// printTable prints rows aligned like psql: headers centred, numbers
// right-aligned, NULL as empty.
func printTable(w io.Writer, fields []pgconn.FieldDescription, rows [][]*string) {
	widths := make([]int, len(fields))
	for i, f := range fields {
		widths[i] = runewidth.StringWidth(f.Name)
	}
	for _, r := range rows {
		for i, v := range r {
			if v != nil {
				widths[i] = max(widths[i], runewidth.StringWidth(*v))
			}
		}
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteString("|")
		}
		pad := widths[i] - runewidth.StringWidth(f.Name)
		b.WriteString(" " + strings.Repeat(" ", pad/2) + f.Name + strings.Repeat(" ", pad-pad/2) + " ")
	}
	b.WriteString("\n")
	for i := range fields {
		if i > 0 {
			b.WriteString("+")
		}
		b.WriteString(strings.Repeat("-", widths[i]+2))
	}
	b.WriteString("\n")
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				b.WriteString("|")
			}
			s := ""
			if v != nil {
				s = *v
			}
			pad := strings.Repeat(" ", widths[i]-runewidth.StringWidth(s))
			if isNumericOID(fields[i].DataTypeOID) {
				b.WriteString(" " + pad + s + " ")
			} else {
				b.WriteString(" " + s + pad + " ")
			}
		}
		b.WriteString("\n")
	}
	var out strings.Builder
	for line := range strings.SplitSeq(strings.TrimSuffix(b.String(), "\n"), "\n") {
		out.WriteString(strings.TrimRight(line, " "))
		out.WriteByte('\n')
	}
	io.WriteString(w, out.String())
}
