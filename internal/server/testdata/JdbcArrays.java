import java.sql.*;
import java.util.Arrays;

/**
 * Lists through pgjdbc: getArray of int4[] and text[] results (in text
 * form, then in binary once pgjdbc prepares the statement server-side),
 * and setArray parameters. Run by TestSQLArrays.
 *
 * Usage: java -cp postgresql.jar JdbcArrays.java URL
 */
public class JdbcArrays {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0], "rheo", "unused")) {
            try (PreparedStatement ps = c.prepareStatement("SELECT ns, tags FROM arr WHERE id = ?")) {
                for (int k = 0; k < 7; k++) {
                    ps.setInt(1, 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        System.out.println(rs.getMetaData().getColumnTypeName(1) + " " + Arrays.toString((Object[]) rs.getArray(1).getArray())
                            + " " + rs.getMetaData().getColumnTypeName(2) + " " + Arrays.toString((Object[]) rs.getArray(2).getArray()));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO arr (id, ns, tags) VALUES (?, ?, ?)")) {
                ps.setInt(1, 5);
                ps.setArray(2, c.createArrayOf("int4", new Integer[]{5, null, 3}));
                ps.setArray(3, c.createArrayOf("text", new String[]{"a b", "x\"y", null, "", "NULL", "q\\z"}));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id, ns, tags FROM arr WHERE id = ANY(?::BIGINT[])")) {
                ps.setArray(1, c.createArrayOf("int8", new Long[]{5L, 6L}));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        System.out.println(rs.getInt(1) + " " + rs.getString(2) + " " + Arrays.toString((Object[]) rs.getArray(3).getArray()));
                    }
                }
            }
        }
    }
}
