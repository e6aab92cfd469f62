// Generates java_us_utc.tsv, the reference for TestTimeFormatJava:
//   javac JavaTimeRef.java && java JavaTimeRef > java_us_utc.tsv   (Java 17)
// Firehose formats !{timestamp:...} with the JVM's en_US locale in the
// CustomTimeZone (default "UTC", a ZoneId). First line: the instants (epoch
// millis); then one line per pattern: the pattern and its output for each
// instant, or "!ERR" when ofPattern rejects the pattern.
import java.time.*;
import java.time.format.*;
import java.util.*;

public class JavaTimeRef {
  public static void main(String[] args) {
    List<String> pats = new ArrayList<>();
    for (char c : "ABDEFGHKLMNOQSVWXYZabcdeghkmnpqsuvwxyz".toCharArray())
      for (int n = 1; n <= 6; n++) pats.add(String.valueOf(c).repeat(n));
    pats.addAll(List.of("YYYY/MM/dd", "YYYY-'W'ww-e", "pppw", "pppppY", "yyyyyyy", "YYYYYYY",
        "gggggggg", "[YYYY]", "uuuu-MM-dd'T'HH:mm:ss.SSSXXX", "h:mm B"));
    Set<Long> ms = new LinkedHashSet<>();
    ms.add(1530932645006L); // 2018-07-07T03:04:05.006
    ms.add(0L);
    int[][] days = {{2020, 12, 27}, {2021, 1, 3}, {2024, 12, 29}, {2025, 1, 1}, {2015, 12, 31},
        {2016, 2, 29}, {2016, 12, 31}, {2022, 1, 1}, {2022, 12, 31}, {2023, 1, 1}, {2026, 1, 1},
        {2027, 1, 1}, {2000, 2, 29}, {2010, 1, 2}, {2011, 1, 1}, {2099, 12, 31}, {2023, 12, 31}};
    for (int[] d : days)
      for (int i = -1; i <= 1; i++)
        ms.add(LocalDate.of(d[0], d[1], d[2]).plusDays(i).atTime(13, 7, 9)
            .toInstant(ZoneOffset.UTC).toEpochMilli());
    for (String t : new String[] {"00:00", "00:00:59.999", "00:01", "05:59:59", "06:00", "11:59",
        "12:00", "12:00:30", "12:01", "17:59", "18:00", "20:59", "21:00", "23:59:59.999"})
      ms.add(LocalTime.parse(t).atDate(LocalDate.of(2021, 6, 15)).toInstant(ZoneOffset.UTC)
          .toEpochMilli());
    StringBuilder head = new StringBuilder("instants");
    for (long m : ms) head.append('\t').append(m);
    System.out.println(head);
    for (String p : pats) {
      StringBuilder line = new StringBuilder(p);
      try {
        DateTimeFormatter f = DateTimeFormatter.ofPattern(p, Locale.US).withZone(ZoneId.of("UTC"));
        for (long m : ms) line.append('\t').append(f.format(Instant.ofEpochMilli(m)));
      } catch (IllegalArgumentException e) {
        line.append("\t!ERR");
      }
      System.out.println(line);
    }
  }
}
