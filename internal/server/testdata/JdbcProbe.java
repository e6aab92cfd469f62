import java.sql.*;

/**
 * What JDBC tools (DBeaver, Metabase, ...) ask a database through pgjdbc's
 * DatabaseMetaData when they browse it. Prints one line per row as
 * "step: col=value ...", or "step: ERROR message"; run by TestSQLJDBC.
 *
 * Usage: java -cp postgresql.jar JdbcProbe.java URL TABLE
 */
public class JdbcProbe {
    static void dump(String step, ResultSet rs, String... cols) throws SQLException {
        int n = 0;
        while (rs.next()) {
            n++;
            StringBuilder sb = new StringBuilder(step + ":");
            for (String c : cols) sb.append(' ').append(c).append('=').append(rs.getString(c));
            System.out.println(sb);
        }
        System.out.println(step + " rows=" + n);
    }

    public static void main(String[] args) throws Exception {
        String table = args[1];
        try (Connection c = DriverManager.getConnection(args[0], "rheo", "unused")) {
            DatabaseMetaData md = c.getMetaData();
            System.out.println("product: " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
            String[] steps = {"schemas", "tables", "columns", "pkeys", "fkeys", "indexes", "functions", "typeinfo", "query"};
            for (String s : steps) {
                try {
                    switch (s) {
                        case "schemas": dump(s, md.getSchemas(), "TABLE_SCHEM"); break;
                        case "tables": dump(s, md.getTables(null, "public", "%", new String[]{"TABLE", "VIEW"}), "TABLE_NAME", "TABLE_TYPE"); break;
                        case "columns": dump(s, md.getColumns(null, "public", table, "%"), "COLUMN_NAME", "TYPE_NAME", "DATA_TYPE"); break;
                        case "pkeys": dump(s, md.getPrimaryKeys(null, "public", table), "COLUMN_NAME"); break;
                        case "fkeys": dump(s, md.getImportedKeys(null, "public", table), "FKCOLUMN_NAME"); break;
                        case "indexes": dump(s, md.getIndexInfo(null, "public", table, false, true), "INDEX_NAME", "COLUMN_NAME"); break;
                        case "functions": dump(s, md.getFunctions(null, "public", "%"), "FUNCTION_NAME"); break;
                        case "typeinfo": dump(s, md.getTypeInfo(), "TYPE_NAME"); break;
                        case "query":
                            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) AS n FROM public." + table + " WHERE ? > 0")) {
                                ps.setInt(1, 1);
                                dump(s, ps.executeQuery(), "n");
                            }
                            break;
                    }
                } catch (SQLException e) {
                    System.out.println(s + ": ERROR " + e.getMessage().split("\n")[0]);
                }
            }
        }
    }
}
